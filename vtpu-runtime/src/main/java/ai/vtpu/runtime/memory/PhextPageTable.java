package ai.vtpu.runtime.memory;

import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Phext Page Table of one sentron: scroll coordinate -> page. A direct-mapped translation cache in
 * front of the table counts hits and misses. Pages declared up front are laid out in one slab in Morton
 * order ({@link #placeAll}); pages made by ALLOC get memory of their own, released by FREE. With a
 * {@link PageStore}, ALLOC makes file-backed pages that survive a restart. Used by one thread at a time
 * (the sentron's S pipe).
 */
public final class PhextPageTable implements AutoCloseable {
    private static final int CACHE = 256;

    private final Map<PhextCoord, Page> table = new HashMap<>();
    /** The pages placed (or mapped) up front: what {@link #resetToPlaced()} keeps. */
    private final java.util.Set<PhextCoord> placed = new java.util.HashSet<>();
    private final PhextCoord[] cacheKeys = new PhextCoord[CACHE];
    private final Page[] cacheValues = new Page[CACHE];
    private final List<Arena> slabs = new ArrayList<>();
    private final PageStore store;
    private long hits;
    private long misses;
    private boolean closed;

    public PhextPageTable() {
        this(null);
    }

    public PhextPageTable(PageStore store) {
        this.store = store;
    }

    public record PageSpec(PhextCoord coord, DType dtype, long lines, long columns) {
    }

    /**
     * Creates zero-filled pages in one slab, in Morton order of their coordinates, each 64-byte aligned.
     * Pages already shared from another table can be added with {@link #map}.
     */
    public void placeAll(List<PageSpec> specs) {
        checkOpen();
        if (specs.isEmpty()) {
            return;
        }
        List<PageSpec> sorted = new ArrayList<>(specs);
        sorted.sort((a, b) -> MortonOrder.ORDER.compare(a.coord(), b.coord()));
        long total = 0;
        for (PageSpec s : sorted) {
            total += align(Page.bytes(s.dtype(), s.lines(), s.columns()));
        }
        Arena arena = Arena.ofShared();
        slabs.add(arena);
        MemorySegment slab = arena.allocate(total, 64);
        long off = 0;
        for (PageSpec s : sorted) {
            long size = Page.bytes(s.dtype(), s.lines(), s.columns());
            put(new Page(s.coord(), s.dtype(), s.lines(), s.columns(), slab.asSlice(off, size), null, false));
            off += align(size);
        }
    }

    private static long align(long n) {
        return (n + 63) & ~63L;
    }

    /** Makes an existing page (of another table) visible here too, read-only to programs. */
    public void map(Page page) {
        checkOpen();
        put(new Page(page.coord(), page.dtype(), page.lines(), page.columns(), page.segment(), null, true));
    }

    private void put(Page p) {
        if (table.putIfAbsent(p.coord(), p) != null) {
            throw new VtpuRuntimeException("a page already exists at " + p.coord());
        }
        placed.add(p.coord());
    }

    /** Frees every page a program ALLOCated, keeping the ones placed up front (a session between runs). */
    public void resetToPlaced() {
        checkOpen();
        for (PhextCoord c : new ArrayList<>(table.keySet())) {
            if (!placed.contains(c)) {
                free(c);
            }
        }
    }

    /** ALLOC: a zero-filled page of its own (file-backed when the table has a store). */
    public Page alloc(PhextCoord coord, DType dtype, long lines, long columns) {
        checkOpen();
        if (lookupOrNull(coord) != null) {
            throw new VtpuRuntimeException("ALLOC: a page already exists at " + coord);
        }
        Page p;
        if (store != null) {
            p = store.create(coord, dtype, lines, columns);
        } else {
            Arena arena = Arena.ofShared();
            p = new Page(coord, dtype, lines, columns, arena.allocate(Page.bytes(dtype, lines, columns), 64), arena, false);
        }
        table.put(coord, p);
        return p;
    }

    /** FREE: removes the page; its memory is released when it had its own. */
    public void free(PhextCoord coord) {
        checkOpen();
        Page p = lookupOrNull(coord);
        if (p == null) {
            throw new VtpuRuntimeException("FREE: no page at " + coord);
        }
        table.remove(coord);
        int slot = slot(coord);
        cacheKeys[slot] = null;
        cacheValues[slot] = null;
        if (store != null && p.owner() == null) {
            store.delete(p);
        } else if (p.owner() != null) {
            p.owner().close();
        }
    }

    /** FLUSH: makes a file-backed page durable. */
    public void flush(PhextCoord coord) {
        Page p = lookup(coord, "FLUSH");
        if (p.segment().isMapped()) {
            p.segment().force();
        }
    }

    private static int slot(PhextCoord c) {
        int h = c.hashCode();
        return (h ^ (h >>> 16)) & (CACHE - 1);
    }

    /** The page at {@code coord}, or a fault naming the op that needed it. */
    public Page lookup(PhextCoord coord, String op) {
        Page p = lookupOrNull(coord);
        if (p == null) {
            throw new VtpuRuntimeException(op + ": no page at " + coord);
        }
        return p;
    }

    /** The page, or null; counts a translation-cache hit or miss. */
    public Page lookupOrNull(PhextCoord coord) {
        checkOpen();
        int slot = slot(coord);
        if (coord.equals(cacheKeys[slot])) {
            hits++;
            return cacheValues[slot];
        }
        misses++;
        Page p = table.get(coord);
        if (p == null && store != null) {
            p = store.open(coord);
            if (p != null) {
                table.put(coord, p);
            }
        }
        if (p != null) {
            cacheKeys[slot] = coord;
            cacheValues[slot] = p;
        }
        return p;
    }

    public long cacheHits() {
        return hits;
    }

    public long cacheMisses() {
        return misses;
    }

    public int size() {
        return table.size();
    }

    private void checkOpen() {
        if (closed) {
            throw new VtpuRuntimeException("the page table is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Page p : table.values()) {
            if (p.owner() != null) {
                p.owner().close();
            }
        }
        for (Arena a : slabs) {
            a.close();
        }
        if (store != null) {
            store.close();
        }
        table.clear();
    }
}

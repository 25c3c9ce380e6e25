package ai.vtpu.runtime.exec;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tiles gathered from read-only pages (non-split inputs: a model's weights), kept with their MMA panel form
 * for the life of a session and shared by its sentrons. A GATHER that finds its tile here lends the arrays to
 * the register instead of copying and packing them again, as ONNX Runtime packs its weights once per
 * session. Programs cannot write those pages (docs/ISA.md §5.2); the host can: setting an input forgets
 * its page's tiles, and a page set since the last run is not kept at all during the next one (an input
 * that changes every run, such as a batch-1 activation, would only cost copies). Bounded: past
 * {@link #BUDGET_FLOATS} floats, GATHER works as before without keeping its tile. The page set is changed
 * only between runs, by the session's thread.
 */
final class ReadOnlyTiles {
    /** 256 MiB of values and panels per session. */
    static final long BUDGET_FLOATS = 64L << 20;

    /** Where a tile came from and how it was read: the page's address and the GATHER's operands. */
    record Key(long page, long line, long column, int rows, int cols, long lineStride, long colStride, boolean transposed) {
    }

    /** {@code panels} is null when the kernels do not use the panel form (the scalar reference kernels). */
    record Entry(float[] data, float[] panels) {
        long floats() {
            return data.length + (panels == null ? 0 : panels.length);
        }
    }

    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong floats = new AtomicLong();
    /** Addresses of pages set since the last run. */
    private final java.util.Set<Long> fresh = new java.util.HashSet<>();

    /** Whether tiles of the page at {@code page} may be kept in this run. */
    boolean keeps(long page) {
        return !fresh.contains(page);
    }

    Entry get(Key key) {
        return entries.get(key);
    }

    /** Keeps {@code e} unless that would pass the budget; returns the entry to use (another thread's, if it won). */
    Entry put(Key key, Entry e) {
        long size = e.floats();
        if (floats.addAndGet(size) > BUDGET_FLOATS) {
            floats.addAndGet(-size);
            return e;
        }
        Entry earlier = entries.putIfAbsent(key, e);
        if (earlier != null) {
            floats.addAndGet(-size);
            return earlier;
        }
        return e;
    }

    /** The host wrote the page at {@code page}: its tiles are forgotten and not kept during the next run. */
    void changed(long page) {
        fresh.add(page);
        entries.entrySet().removeIf(e -> {
            if (e.getKey().page() != page) {
                return false;
            }
            floats.addAndGet(-e.getValue().floats());
            return true;
        });
    }

    /** A run finished: the pages set before it have stayed as they are for a whole run. */
    void runDone() {
        fresh.clear();
    }
}

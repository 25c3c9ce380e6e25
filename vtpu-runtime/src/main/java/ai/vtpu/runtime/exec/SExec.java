package ai.vtpu.runtime.exec;

import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.SCset;
import ai.vtpu.isa.siw.SIndex;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.SPage;
import ai.vtpu.isa.siw.SScalar;
import ai.vtpu.isa.siw.STile;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.kernel.Tile;
import ai.vtpu.runtime.memory.Page;
import ai.vtpu.runtime.memory.PhextPageTable;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** The semantics of the S ops (docs/ISA.md §4.2) on one sentron's registers and page table. */
final class SExec implements SPipe.Executor {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final Registers regs;
    private final PhextPageTable ppt;
    private final int sentron;
    private final int sentrons;
    /** Written by the worker thread only; read after the run. */
    long bytesMoved;
    long prefetchedBytes;
    long prefetchSink;

    /** Whether GATHER also lays each tile out as a matmul B operand (worth it when S has a core to itself). */
    private final boolean preparePanels;
    /** Tiles of read-only pages kept across runs, or null; with {@code panelForm} they carry their panel form. */
    private final ReadOnlyTiles readOnly;
    private final boolean panelForm;

    SExec(Registers regs, PhextPageTable ppt, int sentron, int sentrons, boolean preparePanels, ReadOnlyTiles readOnly,
          boolean panelForm) {
        this.preparePanels = preparePanels;
        this.readOnly = readOnly;
        this.panelForm = panelForm;
        this.regs = regs;
        this.ppt = ppt;
        this.sentron = sentron;
        this.sentrons = sentrons;
    }

    @Override
    public void execute(SOp op, int siw) {
        try {
            run(op);
        } catch (VtpuRuntimeException e) {
            throw new VtpuRuntimeException("sentron " + sentron + ", SIW " + siw + ", S slot: " + e.getMessage(), e);
        }
    }

    private void run(SOp op) {
        switch (op) {
            case SOp.Nop n -> { }
            case STile t -> {
                PhextAddress at = regs.coords[t.coord()];
                switch (t.opcode()) {
                    case GATHER -> gather(t, at, ppt.lookup(at.coord(), "GATHER"));
                    case SCATTER -> scatter(t, at, writable(ppt.lookup(at.coord(), "SCATTER"), "SCATTER"));
                    default -> prefetch(t, at, ppt.lookupOrNull(at.coord()));
                }
            }
            case SCset c -> regs.coords[c.coord()] = c.address();
            case SIndex x -> {
                try {
                    long delta = Math.addExact(x.imm(), x.usesRegister() ? regs.scalars[x.reg()] : 0);
                    regs.coords[x.dst()] = regs.coords[x.src()].plus(x.dim(), delta);
                } catch (ArithmeticException e) {
                    throw new VtpuRuntimeException("INDEX: " + x.imm() + " + R" + x.reg() + " overflows 64 bits");
                } catch (ai.vtpu.isa.IsaException e) {
                    throw new VtpuRuntimeException("INDEX: " + e.detail());
                }
            }
            case SScalar s -> {
                long[] r = regs.scalars;
                r[s.dst()] = switch (s.opcode()) {
                    case SLI -> s.imm();
                    case SADD -> r[s.a()] + (s.usesRegister() ? r[s.b()] : s.imm());
                    case SMUL -> r[s.a()] * (s.usesRegister() ? r[s.b()] : s.imm());
                    case SID -> sentron;
                    case SCOUNT -> sentrons;
                    default -> throw new IllegalStateException(s.opcode().name());
                };
            }
            case SPage p -> {
                var coord = regs.coords[p.coord()].coord();
                switch (p.opcode()) {
                    case ALLOC -> ppt.alloc(coord, p.dtype(), p.lines(), p.columns());
                    case FREE -> {
                        writable(ppt.lookup(coord, "FREE"), "FREE");
                        ppt.free(coord);
                    }
                    default -> ppt.flush(coord);
                }
            }
        }
    }

    /** Non-split input tensors are one copy shared by every sentron, read-only (docs/ISA.md §5.2). */
    private static Page writable(Page p, String op) {
        if (p.shared()) {
            throw new VtpuRuntimeException(op + ": the page at " + p.coord() + " belongs to a non-split input tensor, "
                    + "which is read-only (declare the tensor inout to write it)");
        }
        return p;
    }

    /** Whether the tile is whole page rows l0.. that all lie in the page, so that it is one run of memory. */
    private static boolean contiguous(Page page, long l0, long c0, long lineStride, int rows, int cols) {
        return c0 == 0 && cols == page.columns() && (lineStride == 1 || rows == 1) && l0 + rows <= page.lines();
    }

    private static long lineOf(PhextAddress at) {
        return at.line() - 1;
    }

    private void gather(STile t, PhextAddress at, Page page) {
        Tile tile = regs.tiles[t.tile()];
        int rows = t.rows();
        int cols = t.cols();
        long address = page.segment().address();
        if (readOnly != null && page.shared() && readOnly.keeps(address)) {
            var key = new ReadOnlyTiles.Key(address, lineOf(at), at.column() - 1, rows, cols, t.lineStride(), t.colStride(),
                    t.transposed());
            ReadOnlyTiles.Entry e = readOnly.get(key);
            if (e == null) {
                float[] d = new float[rows * cols];
                copy(t, at, page, d);
                float[] panels = panelForm ? ai.vtpu.runtime.kernel.VectorKernels.panels(d, rows, cols) : null;
                e = readOnly.put(key, new ReadOnlyTiles.Entry(d, panels));
            }
            tile.borrow(e.data(), e.panels(), rows, cols);
            return;
        }
        copy(t, at, page, tile.shape(rows, cols));
        if (preparePanels) {
            ai.vtpu.runtime.kernel.VectorKernels.preparePanels(tile);
        }
    }

    /** The GATHER's tile of {@code page} into {@code d}, zero where it lies outside the page. */
    private void copy(STile t, PhextAddress at, Page page, float[] d) {
        int rows = t.rows();
        int cols = t.cols();
        long l0 = lineOf(at);
        long c0 = at.column() - 1;
        long ls = t.lineStride();
        long cs = t.colStride();
        if (!t.transposed() && cs == 1 && page.dtype() == DType.F32 && contiguous(page, l0, c0, ls, rows, cols)) {
            // Whole page rows, one after the other: one bulk copy.
            MemorySegment.copy(page.segment(), F32, l0 * page.columns() * 4, d, 0, rows * cols);
        } else if (!t.transposed() && cs == 1 && page.dtype() == DType.F32) {
            // The fast path: each tile row is one contiguous run of the page row.
            MemorySegment seg = page.segment();
            for (int i = 0; i < rows; i++) {
                long line = l0 + i * ls;
                int n = line < page.lines() ? (int) Math.max(0, Math.min(cols, page.columns() - c0)) : 0;
                if (n > 0) {
                    MemorySegment.copy(seg, F32, (line * page.columns() + c0) * 4, d, i * cols, n);
                }
                if (n < cols) {
                    Arrays.fill(d, i * cols + n, (i + 1) * cols, 0f);
                }
            }
        } else {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    long line = t.transposed() ? l0 + j * ls : l0 + i * ls;
                    long col = t.transposed() ? c0 + i * cs : c0 + j * cs;
                    d[i * cols + j] = line < page.lines() && col < page.columns() ? page.get(line, col) : 0f;
                }
            }
        }
        bytesMoved += (long) rows * cols * page.dtype().bytes();
    }

    private void scatter(STile t, PhextAddress at, Page page) {
        Tile tile = regs.tiles[t.tile()];
        int rows = t.rows();
        int cols = t.cols();
        if (tile.isEmpty()) {
            throw new VtpuRuntimeException("SCATTER: T" + t.tile() + " has not been written");
        }
        if (tile.rows() != rows || tile.cols() != cols) {
            throw new VtpuRuntimeException("SCATTER: T" + t.tile() + " is " + tile.shapeText() + ", the op says " + rows + "x" + cols);
        }
        float[] s = tile.data();
        long l0 = lineOf(at);
        long c0 = at.column() - 1;
        long ls = t.lineStride();
        long cs = t.colStride();
        boolean add = (t.flags() & SOp.ADD) != 0;
        if (!t.transposed() && cs == 1 && !add && page.dtype() == DType.F32 && contiguous(page, l0, c0, ls, rows, cols)) {
            MemorySegment.copy(s, 0, page.segment(), F32, l0 * page.columns() * 4, rows * cols);
        } else if (!t.transposed() && cs == 1 && !add && page.dtype() == DType.F32) {
            MemorySegment seg = page.segment();
            for (int i = 0; i < rows; i++) {
                long line = l0 + i * ls;
                int n = line < page.lines() ? (int) Math.max(0, Math.min(cols, page.columns() - c0)) : 0;
                if (n > 0) {
                    MemorySegment.copy(s, i * cols, seg, F32, (line * page.columns() + c0) * 4, n);
                }
            }
        } else {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    long line = t.transposed() ? l0 + j * ls : l0 + i * ls;
                    long col = t.transposed() ? c0 + i * cs : c0 + j * cs;
                    if (line < page.lines() && col < page.columns()) {
                        float v = s[i * cols + j];
                        page.set(line, col, add ? page.get(line, col) + v : v);
                    }
                }
            }
        }
        bytesMoved += (long) rows * cols * page.dtype().bytes();
    }

    /** Reads one value per 64-byte line of the region, so the lines are in cache when GATHER comes. */
    private void prefetch(STile t, PhextAddress at, Page page) {
        if (page == null) {
            return;
        }
        long l0 = lineOf(at);
        long c0 = at.column() - 1;
        int perLine = Math.max(1, 64 / page.dtype().bytes());
        long sum = 0;
        for (int i = 0; i < t.rows(); i++) {
            long line = l0 + (long) i * t.lineStride();
            if (line >= page.lines()) {
                break;
            }
            long end = Math.min(page.columns(), c0 + (long) t.cols() * t.colStride());
            for (long col = c0; col < end; col += perLine) {
                sum += page.segment().get(ValueLayout.JAVA_BYTE, (line * page.columns() + col) * page.dtype().bytes());
            }
            prefetchedBytes += (end - c0) * page.dtype().bytes();
        }
        prefetchSink += sum;
    }
}

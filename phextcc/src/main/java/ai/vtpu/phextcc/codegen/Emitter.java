package ai.vtpu.phextcc.codegen;

import ai.vtpu.isa.siw.Pipe;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/** Builds the op list of a lowering: tile gathers and scatters (with their CSETs), D ops. */
final class Emitter {
    private final List<Instr> out = new ArrayList<>();
    private final Map<String, Integer> tensorIds;
    private final java.util.function.BiFunction<String, Integer, String> pageAddress;
    private final Bounds bounds;
    private int nextCoord;

    /** The rows and columns of the matrix at one page of a tensor (a rank-1 tensor is one line). */
    interface Bounds {
        int[] pageShape(String tensor);
    }

    /**
     * @param pageAddress the address text of page p of a tensor (its name for page 0, a coordinate otherwise)
     */
    Emitter(Map<String, Integer> tensorIds, java.util.function.BiFunction<String, Integer, String> pageAddress, Bounds bounds) {
        this.tensorIds = tensorIds;
        this.pageAddress = pageAddress;
        this.bounds = bounds;
    }

    /**
     * A value name is a tensor's name, or a view of one of its pages: {@code name#page:row} (the matrix at page
     * {@code page}, starting at row {@code row}).
     */
    static String view(String tensor, int page, int row) {
        return tensor + "#" + page + ":" + row;
    }

    private static String tensorOf(String value) {
        int h = value.indexOf('#');
        return h < 0 ? value : value.substring(0, h);
    }

    /** "base@line:column" for element (row0, col0) of a value or view. */
    String address(String value, int row0, int col0) {
        return region(value, row0, col0, 0, 0).address();
    }

    /** The rows x cols block at (row0, col0) of a value or view ({@code name#page:row}). */
    private Instr.Region region(String value, int row0, int col0, int rows, int cols) {
        int h = value.indexOf('#');
        int page = 0;
        int row = 0;
        if (h >= 0) {
            String[] pr = value.substring(h + 1).split(":");
            page = Integer.parseInt(pr[0]);
            row = Integer.parseInt(pr[1]);
        }
        return new Instr.Region(memory(value), pageAddress.apply(tensorOf(value), page), row + row0, col0, rows, cols);
    }

    List<Instr> instrs() {
        return out;
    }

    /**
     * What each tile register holds from its last GATHER (tensor, address, shape) while neither the register
     * nor the tensor's memory has been written since: gathering the same tile again is skipped. A weight
     * tile shared by every page of a batched matmul is then gathered (and packed by the S pipe) once per
     * register instead of once per page.
     */
    private final Map<Integer, Instr.Region> holds = new java.util.HashMap<>();

    private void add(Instr i) {
        out.add(i);
        if (i.pipe() == null) {
            holds.clear(); // a raw block (loops, labels): its registers and addresses are not tracked
            return;
        }
        for (int b = i.writes().nextSetBit(0); b >= 0; b = i.writes().nextSetBit(b + 1)) {
            if (b < 32) {
                holds.remove(b);
            } else if (b >= Instr.MEMORY) {
                int memory = b;
                holds.values().removeIf(r -> r.memoryBit() == memory);
            }
        }
    }

    private static BitSet bits(int... b) {
        BitSet s = new BitSet();
        for (int i : b) {
            s.set(i);
        }
        return s;
    }

    private static int tile(int t) {
        return t;
    }

    private static int coord(int p) {
        return 32 + p;
    }

    private int memory(String value) {
        return Instr.MEMORY + tensorIds.get(tensorOf(value));
    }

    /** Rotates over the 8 coordinate registers so address setups do not serialise the S stream. */
    private int coordFor() {
        int p = nextCoord;
        nextCoord = (nextCoord + 1) % 8;
        return p;
    }

    /** GATHER tile t = tensor[row0 .. row0+rows, col0 .. col0+cols] (0-based). */
    void gather(int t, String tensor, int row0, int col0, int rows, int cols) {
        Instr.Region region = region(tensor, row0, col0, rows, cols);
        if (region.equals(holds.get(t))) {
            return;
        }
        int p = coordFor();
        add(new Instr(Pipe.S, "CSET P" + p + ", " + region.address(), new BitSet(), bits(coord(p)), true, 0, 0));
        add(new Instr(Pipe.S, "GATHER T" + t + ", P" + p + ", " + rows + "x" + cols, bits(coord(p), region.memoryBit()),
                bits(tile(t)), true, 0, 4L * rows * cols, copy(false, t, tensor, region)));
        holds.put(t, region);
    }

    /** Whether register t still holds this tile from its last GATHER (gathering it there again is skipped). */
    boolean holds(int t, String tensor, int row0, int col0, int rows, int cols) {
        return region(tensor, row0, col0, rows, cols).equals(holds.get(t));
    }

    /** PREFETCH of the region a later gather reads. */
    void prefetch(String tensor, int row0, int col0, int rows, int cols) {
        int p = coordFor();
        add(new Instr(Pipe.S, "CSET P" + p + ", " + address(tensor, row0, col0), new BitSet(), bits(coord(p)), true, 0, 0));
        add(new Instr(Pipe.S, "PREFETCH P" + p + ", " + rows + "x" + cols, bits(coord(p), memory(tensor)), new BitSet(), true,
                0, 0));
    }

    void scatter(int t, String tensor, int row0, int col0, int rows, int cols) {
        Instr.Region region = region(tensor, row0, col0, rows, cols);
        int p = coordFor();
        add(new Instr(Pipe.S, "CSET P" + p + ", " + region.address(), new BitSet(), bits(coord(p)), true, 0, 0));
        add(new Instr(Pipe.S, "SCATTER T" + t + ", P" + p + ", " + rows + "x" + cols, bits(coord(p), tile(t)),
                bits(region.memoryBit()), true, 0, 4L * rows * cols, copy(true, t, tensor, region)));
    }

    private Instr.Copy copy(boolean scatter, int t, String value, Instr.Region region) {
        int[] shape = bounds.pageShape(tensorOf(value));
        boolean inside = region.row() + region.rows() <= shape[0] && region.col() + region.cols() <= shape[1];
        return new Instr.Copy(scatter, t, region, inside, value.indexOf('#') >= 0);
    }

    /** A ready-made block of SIW lines (see {@link Instr#block}). */
    void block(String lines, BitSet reads, BitSet writes, long flops, long bytes) {
        add(Instr.block(lines, reads, writes, flops, bytes));
    }

    int memoryBit(String value) {
        return memory(value);
    }

    /** ALLGATHER of tile {@code src} over group 0 into tile {@code dst} (rows x cols after stacking). */
    void allGather(int dst, int src, int rows, int cols) {
        add(new Instr(Pipe.C, "ALLGATHER T" + dst + ", T" + src + ", 0, " + rows + "x" + cols, bits(tile(src)), bits(tile(dst)),
                true, 0, 4L * rows * cols));
    }

    /** REDUCE of tile {@code t} in place over group 0. */
    void reduce(int t, String op, int rows, int cols) {
        add(new Instr(Pipe.C, "REDUCE T" + t + ", 0, " + op, bits(tile(t)), bits(tile(t)), true, (long) rows * cols,
                4L * rows * cols));
    }

    /** A D op reading tiles {@code reads} and writing tile {@code dst}. */
    void d(String asm, int dst, long flops, int... reads) {
        BitSet r = new BitSet();
        for (int t : reads) {
            r.set(tile(t));
        }
        add(new Instr(Pipe.D, asm, r, bits(tile(dst)), false, flops, 0));
    }
}

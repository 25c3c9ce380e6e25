package ai.vtpu.phextcc.codegen;

import ai.vtpu.isa.siw.Pipe;
import java.util.BitSet;

/**
 * One op before scheduling: its slot, its assembly text, and what it reads and writes. Resources are
 * bits: 0..39 are the registers as in {@link ai.vtpu.isa.siw.Regs}; 64 + i is the memory of tensor i
 * (only S ops touch memory).
 *
 * @param async an S op or a communication C op: it retires after later SIWs issue, so a consumer in
 *     another pipe must wait for its tag
 * @param copy what a plain GATHER or SCATTER moves, else null
 */
public record Instr(Pipe pipe, String asm, BitSet reads, BitSet writes, boolean async, long flops, long bytes, Copy copy) {

    public static final int MEMORY = 64;

    /**
     * A tile register and the region of memory a GATHER fills it from or a SCATTER writes it to.
     *
     * @param region the tensor, address and shape: equal strings for the same region
     * @param page the address of the page the region is on
     * @param row the region's first row on the page (0-based)
     * @param col its first column
     * @param inside whether the region lies within the tensor's page; if not, GATHER pads with zeros and
     *     SCATTER drops the rest, so the register and the memory differ
     * @param paged whether the region is on a page of a value of rank 3 or more (a view), not a matrix
     */
    public record Copy(boolean scatter, int tile, int memoryBit, String region, String page, int row, int col, int rows,
                       int cols, boolean inside, boolean paged) {
        /** Whether the two regions share an element (or may: the same tensor's memory on the same page). */
        public boolean overlaps(Copy o) {
            return memoryBit == o.memoryBit && page.equals(o.page) && row < o.row + o.rows && o.row < row + rows
                    && col < o.col + o.cols && o.col < col + cols;
        }

        Copy withTile(int t) {
            return new Copy(scatter, t, memoryBit, region, page, row, col, rows, cols, inside, paged);
        }
    }

    /** An op with no region moved. */
    public Instr(Pipe pipe, String asm, BitSet reads, BitSet writes, boolean async, long flops, long bytes) {
        this(pipe, asm, reads, writes, async, flops, bytes, null);
    }

    /**
     * A block of ready-made SIW lines (a counted loop) that the scheduler places after everything before it
     * and before everything after it; it starts and ends with a drain, so no wait crosses it.
     */
    public static Instr block(String lines, BitSet reads, BitSet writes, long flops, long bytes) {
        return new Instr(null, lines, reads, writes, false, flops, bytes);
    }

    public boolean isBlock() {
        return pipe == null;
    }
}

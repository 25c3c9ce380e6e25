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
     * A block of one page of a tensor's memory: rows x cols from (row, col), 0-based. Equal regions are equal
     * records, whatever name (the tensor's or a view of its page) they were written with.
     *
     * @param page the address of the page
     */
    public record Region(int memoryBit, String page, int row, int col, int rows, int cols) {
        /** The address text of the region's first element, "page@line:column". */
        String address() {
            return page + "@" + (row + 1) + ":" + (col + 1);
        }

        /** Whether the two regions share an element (or may: the same tensor's memory on the same page). */
        boolean overlaps(Region o) {
            return memoryBit == o.memoryBit && page.equals(o.page) && row < o.row + o.rows && o.row < row + rows
                    && col < o.col + o.cols && o.col < col + cols;
        }
    }

    /**
     * A tile register and the region of memory a GATHER fills it from or a SCATTER writes it to.
     *
     * @param inside whether the region lies within the tensor's page; if not, GATHER pads with zeros and
     *     SCATTER drops the rest, so the register and the memory differ
     * @param paged whether the region is on a page of a value of rank 3 or more (a view), not a matrix
     */
    public record Copy(boolean scatter, int tile, Region region, boolean inside, boolean paged) {
        Copy withTile(int t) {
            return new Copy(scatter, t, region, inside, paged);
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

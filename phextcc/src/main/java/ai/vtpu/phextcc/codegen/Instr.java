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
 */
public record Instr(Pipe pipe, String asm, BitSet reads, BitSet writes, boolean async, long flops, long bytes) {

    public static final int MEMORY = 64;

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

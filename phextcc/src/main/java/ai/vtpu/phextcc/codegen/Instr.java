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
}

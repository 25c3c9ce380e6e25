/**
 * The Sentron Instruction Word: opcodes ({@link ai.vtpu.isa.siw.Opcode}, one constant per op), the op
 * records of the three slots, and the one encoder/decoder {@link ai.vtpu.isa.siw.SiwCodec}
 * (docs/ISA.md §3, §4).
 */
package ai.vtpu.isa.siw;

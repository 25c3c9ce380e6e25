package ai.vtpu.isa.siw;

/** One op of one slot. Its register reads and writes are what hazard analysis and scoreboards use. */
public sealed interface Op permits DOp, SOp, COp {
    Opcode opcode();

    /** Registers read, as a {@link Regs} mask. */
    long reads();

    /** Registers written, as a {@link Regs} mask. */
    long writes();
}

package ai.vtpu.isa.siw;

/** The three slots of a SIW and the pipes that execute them (docs/ISA.md §1.3). */
public enum Pipe {
    /** Dense tile math; synchronous. */
    D,
    /** Memory, scalars and coordinates; asynchronous, in order. */
    S,
    /** Communication (asynchronous, in order) and control flow (at issue). */
    C
}

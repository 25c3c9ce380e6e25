package ai.vtpu.isa.siw;

/**
 * The operand forms: which fields of its slot an op uses (docs/ISA.md §3, §4). The assembler, the
 * disassembler and the decoder all dispatch on the form, so an op's syntax and encoding are fixed by
 * its form alone.
 */
public enum Form {
    NONE,
    // D slot
    UNARY, FILL, CVT, MMA, BINARY, CMP, TERNARY, REDUCE, NORM,
    // S slot
    TILE, CSET, INDEX, SCALAR, PAGE,
    // C slot
    COMM, BRANCH
}

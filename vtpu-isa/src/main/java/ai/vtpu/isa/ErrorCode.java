package ai.vtpu.isa;

/**
 * Stable error codes of the ISA module, shown to users as {@code [VTPU-1xxx]}. The numbers are part of
 * the interface (docs/ISA.md §7 lists the validator's); never reuse one for another meaning.
 */
public enum ErrorCode {
    BAD_MAGIC(1001, "not a .siw file"),
    UNSUPPORTED_VERSION(1002, "unsupported format version"),
    TRUNCATED(1003, "truncated input"),
    CRC_MISMATCH(1004, "checksum mismatch"),
    SIZE_MISMATCH(1005, "file size does not match its header"),
    BAD_DECLARATION_SECTION(1006, "malformed declaration section"),
    UNKNOWN_OPCODE(1010, "unknown opcode"),
    REGISTER_RANGE(1011, "register out of range"),
    FIELD_RANGE(1012, "field out of range"),
    RESERVED_NONZERO(1013, "must-be-zero field is not zero"),
    COORD_RANGE(1020, "coordinate out of range"),
    COORD_SYNTAX(1021, "malformed coordinate"),
    ASM_SYNTAX(1030, "syntax error"),
    UNDEFINED_LABEL(1031, "undefined label"),
    DUPLICATE_NAME(1032, "duplicate name"),
    UNDEFINED_NAME(1033, "undefined name"),
    IO(1040, "cannot read or write a file"),
    SHAPE_MISMATCH(1050, "tile shape mismatch"),
    HAZARD(1051, "hazard not covered by waits"),
    WRITE_CONFLICT(1052, "intra-SIW write conflict"),
    NONTERMINATING_LOOP(1053, "loop cannot terminate"),
    BRANCH_RANGE(1054, "branch target out of range"),
    UNDECLARED_GROUP(1055, "undeclared group"),
    UNDEFINED_TILE(1056, "tile register read before written"),
    BAD_DECLARATION(1057, "bad declaration");

    private final int number;
    private final String summary;

    ErrorCode(int number, String summary) {
        this.number = number;
        this.summary = summary;
    }

    public int number() {
        return number;
    }

    public String summary() {
        return summary;
    }

    /** The form users see, e.g. {@code VTPU-1010}. */
    public String tag() {
        return "VTPU-" + number;
    }
}

package ai.vtpu.isa.asm;

import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.siw.DType;

/**
 * The textual forms shared by the assembler and the disassembler, so both sides of the round trip
 * agree on how a value is spelt (docs/ISA.md §6).
 */
final class Syntax {
    static final int CANONICAL_NAN = 0x7fc00000;

    private Syntax() {
    }

    /** A float the assembler reads back to the same bits. */
    static String floatText(int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            return bits == CANONICAL_NAN ? "nan" : String.format("bits:0x%08x", bits);
        }
        if (Float.isInfinite(f)) {
            return f > 0 ? "inf" : "-inf";
        }
        return Float.toString(f);
    }

    static String shape(long rows, long cols) {
        return rows + "x" + cols;
    }

    static String tensorDirective(TensorDecl t) {
        String split = t.split() == ai.vtpu.isa.program.Split.NONE ? "" : " split=" + t.split().label();
        return ".tensor " + t.name() + " " + t.typeText() + " @" + t.coord() + " " + t.role().label() + split;
    }

    static String dtype(DType t) {
        return t.label();
    }

    static String address(PhextAddress a) {
        return a.line() == 1 && a.column() == 1 ? a.coord().toString() : a.toString();
    }
}

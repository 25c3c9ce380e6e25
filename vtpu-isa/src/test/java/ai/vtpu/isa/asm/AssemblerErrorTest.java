package ai.vtpu.isa.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.siw.Pipe;
import ai.vtpu.isa.verify.Diagnostic;
import ai.vtpu.isa.verify.Validator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Assembler errors (docs/ISA.md §6): each names its code, the exact {@code file:line:column} of the
 * offending text (1-based) and what was wrong or expected. Columns in the comments are counted by hand.
 */
class AssemblerErrorTest {

    private static final String FILE = "bad.siwa";

    /** One bad source: the code, where the error must point, and a part of its detail. */
    record Case(String name, String source, ErrorCode code, String location, String detail) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                // line 2: 8 spaces, "D:" at 9, "FOO" at 12
                new Case("unknown mnemonic", "start:  S: SLI R1, 4\n        D: FOO T0, T1",
                        ErrorCode.UNKNOWN_OPCODE, "2:12", "'FOO' is not an op of the D slot"),
                // "GATHER" at 6 after "  D: "
                new Case("S op in the D slot", "  D: GATHER T1, P0, 4x4",
                        ErrorCode.UNKNOWN_OPCODE, "1:6", "it belongs in the S slot: S: GATHER"),
                new Case("D op in the C slot", "C: MMA T0, T1, T2",
                        ErrorCode.UNKNOWN_OPCODE, "1:4", "it belongs in the D slot: D: MMA"),
                // "T16" at 8
                new Case("tile register T16", "D: MOV T16, T1",
                        ErrorCode.REGISTER_RANGE, "1:8", "'T16' is out of range, expected a tile register T0..T15"),
                // "S: SADD R1, R99": R99 at 13
                new Case("scalar register R99", "S: SADD R1, R99, 1",
                        ErrorCode.REGISTER_RANGE, "1:13", "expected a scalar register R0..R15"),
                // "P8" at 9
                new Case("coordinate register P8", "S: CSET P8, 1.1.1/1.1.1/1.1.1",
                        ErrorCode.REGISTER_RANGE, "1:9", "expected a coordinate register P0..P7"),
                // ".tensor A f32[4, 4] @": the coordinate starts at 22
                new Case("coordinate 0 in a .tensor", ".tensor A f32[4, 4] @1.1.1/1.1.1/1.1.0 input",
                        ErrorCode.COORD_RANGE, "1:22", "scroll is 0, expected 1..999"),
                // ".tensor B f32[8] @": the coordinate starts at 19
                new Case("coordinate 1000 in a .tensor", "C: HALT\n.tensor B f32[8] @1.1.1/1.1.1000/1.1.1 output",
                        ErrorCode.COORD_RANGE, "2:19", "book is 1000, expected 1..999"),
                // line 2: 6 spaces, "C:" at 7, "LOOP" at 10, "R1" at 15, "lop" at 19
                new Case("undefined label", "loop: S: SLI R1, 2\n      C: LOOP R1, lop",
                        ErrorCode.UNDEFINED_LABEL, "2:19", "label 'lop' is not defined"),
                // line 2: the second "top" at 3
                new Case("duplicate label", "top: S: NOP\n  top:  C: HALT",
                        ErrorCode.DUPLICATE_NAME, "2:3", "label 'top' is defined twice"),
                // the operands "T0" start at 8; operand 2 is missing right after them, at 10
                new Case("missing operand", "D: MOV T0",
                        ErrorCode.ASM_SYNTAX, "1:10", "MOV: expected a tile register T0..T15 as operand 2"),
                new Case("missing shape", "S: GATHER T1, P0 ^1",
                        ErrorCode.ASM_SYNTAX, "1:17", "GATHER: expected a shape ROWSxCOLS as operand 3"),
                new Case("empty operand", "D: MOV T0, , T1",
                        ErrorCode.ASM_SYNTAX, "1:12", "expected a tile register T0..T15, found nothing"),
                // the extra "T2" at 16
                new Case("extra operand", "D: MOV T0, T1, T2",
                        ErrorCode.ASM_SYNTAX, "1:16", "MOV takes no more operands, found 'T2'"),
                // "1.5.5" at 18
                new Case("bad float", "D: FILL T0, 4x4, 1.5.5",
                        ErrorCode.ASM_SYNTAX, "1:18", "expected a number (1.5, -2e-3, inf, nan, bits:0x...), found '1.5.5'"),
                // "128y128" at 13
                new Case("bad shape 128y128", "D: FILL T0, 128y128, 1.0",
                        ErrorCode.ASM_SYNTAX, "1:13", "expected a shape ROWSxCOLS, found '128y128'"),
                // "^" at 9
                new Case("signal on a control op", "C: HALT ^1",
                        ErrorCode.ASM_SYNTAX, "1:9", "HALT cannot signal a tag"),
                new Case("signal tag 8", "S: SLI R1, 1 ^8",
                        ErrorCode.ASM_SYNTAX, "1:15", "expected a signal tag 0..7 after '^', found '8'"),
                // the second "D:" at 10
                new Case("slot given twice on a line", "D: NOP | D: NOP",
                        ErrorCode.ASM_SYNTAX, "1:10", "the D slot appears twice in one SIW"),
                // "x9" at 6
                new Case("wait x9", "wait x9 | C: HALT",
                        ErrorCode.ASM_SYNTAX, "1:6", "expected a tag s0..s7 or c0..c7, found 'x9'"),
                new Case("unknown directive", "  .tenser A f32[4] @1.1.1/1.1.1/1.1.1 input",
                        ErrorCode.ASM_SYNTAX, "1:3", "expected a directive (.const, .tensor, .group or .writes_first), found '.tenser'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachErrorNamesItsCodeLocationAndWhatWasExpected(Case c) {
        IsaException e = assertThrows(IsaException.class, () -> Assembler.assemble(c.source(), FILE));
        assertEquals(c.code(), e.code(), e::getMessage);
        assertEquals(FILE + ":" + c.location(), e.where(), e::getMessage);
        assertTrue(e.detail().contains(c.detail()), () -> "detail '" + e.detail() + "' lacks '" + c.detail() + "'");
        assertTrue(e.getMessage().startsWith(FILE + ":" + c.location() + ": [" + c.code().tag() + "] "), e::getMessage);
    }

    // ------------------------------------------------------------------ validator findings

    /** A program that assembles but that the Validator rejects, and where the finding must point. */
    record Finding(String name, String source, String location, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Finding> shapeMismatches() {
        return Stream.of(
                // line 3: "z: S: NOP | D: ADD": the D slot starts at 13
                new Finding("broadcast", "x: D: FILL T0, 4x4, 1.0\n   D: FILL T1, 8x8, 1.0\nz: S: NOP | D: ADD T2, T0, T1",
                        "3:13", "ADD: T1 is 8x8, which does not broadcast to 4x4"),
                new Finding("MMA inner dimensions", "D: FILL T0, 4x8, 1.0\nD: FILL T1, 4x4, 1.0\nD: MMA T2, T0, T1, zero",
                        "3:1", "MMA: inner dimensions differ: op(T0) is 4x8, op(T1) is 4x4"),
                // line 2: "D: NOP | S: SCATTER": the S slot starts at 10
                new Finding("SCATTER shape", "D: FILL T0, 4x4, 1.0\nD: NOP | S: SCATTER T0, P0, 8x8\nsync | C: HALT",
                        "2:10", "SCATTER of T0: the tile is 4x4, the op says 8x8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapeMismatches")
    void aShapeMismatchIsTheValidatorsFindingAndRendersAtItsSourceLocation(Finding f) {
        // The assembler checks one op at a time; shapes are the Validator's business (§7).
        Assembly a = Assembler.assemble(f.source(), FILE);
        List<Diagnostic> found = Validator.validate(a.program());
        assertEquals(1, found.size(), found::toString);
        Diagnostic d = found.get(0);
        assertEquals(ErrorCode.SHAPE_MISMATCH, d.code());
        String rendered = d.render(a.sourceMap());
        assertTrue(rendered.startsWith(FILE + ":" + f.location() + ": [VTPU-1050] "), rendered);
        assertTrue(rendered.contains(f.message()), rendered);
    }

    @Test
    void withoutASourceMapAFindingRendersAsSiwAndSlot() {
        Assembly a = Assembler.assemble("D: FILL T0, 4x4, 1.0\nD: NOP | S: SCATTER T0, P0, 8x8", FILE);
        Diagnostic d = Validator.validate(a.program()).get(0);
        assertEquals(1, d.siw());
        assertEquals(Pipe.S, d.slot());
        assertTrue(d.render(null).startsWith("SIW 1, S slot: [VTPU-1050] "), d.render(null));
    }

    // ------------------------------------------------------------------ several errors

    @Test
    void errorsOnSeveralLinesAreAllReportedInOneException() {
        String source = String.join("\n",
                "D: FOO T0",                 // 1: unknown mnemonic at 4
                "S: SLI R99, 1",             // 2: R99 at 8
                "",
                "   C: JMP nowhere",         // 4: label at 11
                "D: MOV T0, T1",             // 5: fine
                "wait x9");                  // 6: tag at 6
        IsaException e = assertThrows(IsaException.class, () -> Assembler.assemble(source, FILE));
        // The first error leads: its code and location are the exception's.
        assertEquals(ErrorCode.UNKNOWN_OPCODE, e.code());
        assertEquals(FILE + ":1:4", e.where());
        String m = e.getMessage();
        assertTrue(m.contains(FILE + ":2:8: [VTPU-1011] 'R99' is out of range"), m);
        assertTrue(m.contains(FILE + ":4:11: [VTPU-1031] label 'nowhere' is not defined"), m);
        assertTrue(m.contains(FILE + ":6:6: [VTPU-1030] expected a tag s0..s7 or c0..c7"), m);
        assertTrue(m.contains("(4 errors)"), m);
        assertEquals(5, m.split("\n").length, m);
    }

    @Test
    void directiveAndInstructionErrorsAreReportedTogether() {
        String source = String.join("\n",
                "D: MOV T0, T99",                                    // 1: T99 at 12
                ".tensor A f32[4, 4] @1.1.1/1.1.1/1.1.0 input",      // 2: coordinate at 22
                ".const N = x");                                     // 3: value at 12
        IsaException e = assertThrows(IsaException.class, () -> Assembler.assemble(source, FILE));
        String m = e.getMessage();
        assertTrue(m.contains(FILE + ":1:12: [VTPU-1011]"), m);
        assertTrue(m.contains(FILE + ":2:22: [VTPU-1020]"), m);
        assertTrue(m.contains(FILE + ":3:12: [VTPU-1030] expected a number literal, found 'x'"), m);
        assertTrue(m.contains("(3 errors)"), m);
    }
}

package ai.vtpu.isa.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.asm.Assembly;
import ai.vtpu.isa.asm.Loader;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each validator rule, with a program that breaks it and the smallest change that mends it. */
class ValidatorTest {
    private static final String PROLOGUE = """
            S: CSET P0, 1.1.1/1.1.1/1.1.1
            """;

    private static List<Diagnostic> check(String source) {
        return Validator.validate(Assembler.assemble(source, "t.siwa").program());
    }

    private static void assertOnly(ErrorCode code, String source) {
        List<Diagnostic> ds = check(source);
        assertTrue(!ds.isEmpty(), "expected " + code + " for:\n" + source);
        assertTrue(ds.stream().allMatch(d -> d.code() == code), () -> "expected only " + code + ", got " + ds);
    }

    private static void assertValid(String source) {
        List<Diagnostic> ds = check(source);
        assertEquals(List.of(), ds, () -> "expected a valid program:\n" + source);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemm.siwa", "mlp.siwa"})
    void theExamplesAreValid(String name) {
        Assembly a = Loader.load(Path.of("..", "examples", name));
        assertEquals(List.of(), Validator.validate(a.program()));
    }

    @Test
    void readingAGatheredTileWithoutWaitingIsAHazardAndTheWaitMendsIt() {
        String body = """
                S: GATHER T1, P0, 8x8 ^3
                %s D: MMA T0, T1, T1, zero
                """;
        List<Diagnostic> ds = check(PROLOGUE + body.formatted(""));
        assertEquals(1, ds.size(), ds::toString);
        assertEquals(ErrorCode.HAZARD, ds.get(0).code());
        assertTrue(ds.get(0).message().contains("wait s3"), "the message names the covering wait: " + ds.get(0));
        assertEquals("t.siwa:3:2", ds.get(0).render(Assembler.assemble(PROLOGUE + body.formatted(""), "t.siwa").sourceMap())
                .substring(0, 10));
        assertValid(PROLOGUE + body.formatted("wait s3 |"));
    }

    @Test
    void aWaitOnALaterTagRetiresEarlierOpsOfThePipe() {
        assertValid(PROLOGUE + """
                S: GATHER T1, P0, 8x8
                S: GATHER T2, P0, 8x8 ^5
                wait s5 | D: MMA T0, T1, T2, zero
                """);
    }

    @Test
    void aWaitOnATagSignalledOnlyBeforeTheOpDoesNotCoverIt() {
        assertOnly(ErrorCode.HAZARD, PROLOGUE + """
                S: GATHER T2, P0, 8x8 ^5
                S: GATHER T1, P0, 8x8
                wait s5 | D: MMA T0, T1, T2, zero
                """);
    }

    @Test
    void overwritingATileThatAPendingScatterReadsIsAHazard() {
        String source = PROLOGUE + """
                D: FILL T0, 8x8, 1.0
                S: SCATTER T0, P0, 8x8
                %s D: FILL T0, 8x8, 2.0
                """;
        assertOnly(ErrorCode.HAZARD, source.formatted(""));
        assertValid(source.formatted("sync |"));
    }

    @Test
    void hazardsBetweenTheSAndCPipesAreFound() {
        assertOnly(ErrorCode.HAZARD, PROLOGUE + """
                D: FILL T1, 8x8, 1.0
                C: SEND T1, 1, 0
                S: GATHER T1, P0, 8x8
                """);
    }

    @Test
    void opsOfOnePipeNeverConflict() {
        assertValid(PROLOGUE + """
                S: GATHER T1, P0, 8x8
                S: SCATTER T1, P0, 8x8
                S: GATHER T1, P0, 8x8 ^0
                wait s0 | D: RELU T2, T1
                """);
    }

    @Test
    void aHazardAlongTheLoopBackEdgeIsFound() {
        // The GATHER at the end of the body is read by the MMA at the top of the next iteration; the
        // wait on s1 covers the GATHER before the loop on the first pass, but not the one that comes
        // round the back edge unless that one signals s1 too.
        String source = PROLOGUE + """
                S: SLI R1, 4 ^0
                D: FILL T0, 8x8, 0.0 | S: GATHER T1, P0, 8x8 ^1
                top: wait s1 | D: MMA T0, T1, T1
                S: GATHER T1, P0, 8x8 %s
                wait s0 | C: LOOP R1, top
                """;
        assertOnly(ErrorCode.HAZARD, source.formatted(""));
        assertValid(source.formatted("^1"));
    }

    @Test
    void twoOpsOfOneSiwMustNotWriteOneRegister() {
        assertOnly(ErrorCode.WRITE_CONFLICT, PROLOGUE + """
                D: FILL T2, 8x8, 1.0
                sync | D: MOV T1, T2 | S: GATHER T1, P0, 8x8
                """);
    }

    @Test
    void opsOfOneSiwReadTheStateFromBeforeIt() {
        assertValid(PROLOGUE + """
                D: FILL T2, 8x8, 1.0
                D: MOV T1, T2 | S: GATHER T2, P0, 8x8
                """);
    }

    @Test
    void shapeMismatchesAreFound() {
        assertOnly(ErrorCode.SHAPE_MISMATCH, "D: FILL T1, 8x4, 1.0\nD: FILL T2, 8x8, 1.0\nD: MMA T0, T1, T2, zero\n");
        assertValid("D: FILL T1, 8x4, 1.0\nD: FILL T2, 8x8, 1.0\nD: MMA T0, T1, T2, ta, zero\n");
        assertOnly(ErrorCode.SHAPE_MISMATCH, "D: FILL T1, 8x4, 1.0\nD: FILL T2, 2x4, 1.0\nD: ADD T0, T1, T2\n");
        assertValid("D: FILL T1, 8x4, 1.0\nD: FILL T2, 1x4, 1.0\nD: FILL T3, 8x1, 1.0\nD: FMA T0, T1, T2, T3\n");
        assertOnly(ErrorCode.SHAPE_MISMATCH, PROLOGUE + "D: FILL T1, 8x4, 1.0\nsync | S: SCATTER T1, P0, 4x8\n");
        assertOnly(ErrorCode.SHAPE_MISMATCH,
                "D: FILL T0, 4x4, 0.0\nD: FILL T1, 8x8, 1.0\nD: MMA T0, T1, T1\n");
    }

    @Test
    void reductionsAndTransposeHaveTheirShapes() {
        assertValid("D: FILL T1, 8x4, 1.0\nD: REDSUM T2, T1, row\nD: FILL T3, 8x1, 0.0\nD: ADD T4, T2, T3\n"
                + "D: TRN T5, T1\nD: FILL T6, 4x8, 0.0\nD: SUB T7, T5, T6\n");
        assertOnly(ErrorCode.SHAPE_MISMATCH, "D: FILL T1, 8x4, 1.0\nD: REDSUM T2, T1, col\nD: FILL T3, 8x4, 0.0\n"
                + "D: ADD T4, T2, T3\n");
    }

    @Test
    void readingATileNoPathWroteIsAnError() {
        assertOnly(ErrorCode.UNDEFINED_TILE, "D: RELU T0, T1\n");
        assertOnly(ErrorCode.UNDEFINED_TILE, "D: FILL T1, 8x8, 0.0\nD: MMA T0, T1, T1\n");
        assertValid("D: FILL T1, 8x8, 0.0\nD: MMA T0, T1, T1, zero\n");
    }

    @Test
    void loopsThatCannotTerminateAreFound() {
        assertOnly(ErrorCode.NONTERMINATING_LOOP, "top: D: NOP\nC: JMP top\n");
        assertValid("top: S: SLI R1, 0 ^0\nwait s0 | C: BRZ R1, out\nC: JMP top\nout: C: HALT\n");
        assertOnly(ErrorCode.NONTERMINATING_LOOP, "S: SLI R1, 1 ^0\ntop: wait s0 | D: NOP\nC: BRNZ R1, top\n");
        assertValid("S: SLI R1, 3 ^0\ntop: wait s0 | S: SADD R1, R1, -1 ^0\nwait s0 | C: BRNZ R1, top\n");
        assertOnly(ErrorCode.NONTERMINATING_LOOP, "S: SLI R1, 3 ^0\ntop: wait s0 | S: SLI R1, 3 ^0\nwait s0 | C: LOOP R1, top\n");
    }

    @Test
    void branchTargetsMustLieInTheProgram() {
        assertOnly(ErrorCode.BRANCH_RANGE, "C: JMP 7\nC: HALT\n");
    }

    @Test
    void groupsMustBeDeclared() {
        assertOnly(ErrorCode.UNDECLARED_GROUP, "C: BAR 3\n");
        assertValid(".group 3 = 0, 1\nC: BAR 3\n");
        assertValid("C: BAR 0\n");
    }

    @Test
    void tensorsMustNotSharePages() {
        List<Diagnostic> ds = check("""
                .tensor A f32[3, 4, 4] @1.1.1/1.1.1/1.1.1 input
                .tensor B f32[4, 4] @1.1.1/1.1.1/1.1.3 output
                D: NOP
                """);
        assertEquals(List.of(ErrorCode.BAD_DECLARATION), ds.stream().map(Diagnostic::code).collect(Collectors.toList()));
        assertTrue(ds.get(0).message().contains("1.1.1/1.1.1/1.1.3"), ds::toString);
    }
}

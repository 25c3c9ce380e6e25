package ai.vtpu.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bugs a review found in the runtime, each kept as the program that showed it. */
class RuntimeRegressionTest {

    private static Program program(String src) {
        return Assembler.assemble(src, "t.siwa").program();
    }

    private static Machine.Options options(int sentrons, long timeoutMillis) {
        return new Machine.Options(sentrons, false, timeoutMillis, false);
    }

    private static HostTensor filled(int rows, int cols, float v) {
        float[] d = new float[rows * cols];
        java.util.Arrays.fill(d, v);
        return new HostTensor(List.of(rows, cols), d);
    }

    @Test
    void mmaDoesNotUseB_PanelsPreparedBeforeAReduceChangedTheTile() {
        String src = """
                .tensor A f32[8, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor B f32[8, 8] @1.1.1/1.1.1/1.1.2 input
                .tensor C f32[8, 8] @1.1.1/1.1.1/1.1.3 output
                S: CSET P0, A
                S: CSET P1, B
                S: GATHER T1, P0, 8 x 8
                S: GATHER T2, P1, 8 x 8 ^0
                wait s0 | C: REDUCE T2, 0, sum ^0
                wait c0 | D: MMA T0, T1, T2, zero
                S: CSET P2, C
                S: SCATTER T0, P2, 8 x 8
                """;
        MachineTest.withProperty("vtpu.panels", "always", () -> {
            float[] c = Machine.run(program(src), Map.of("A", filled(8, 8, 0.5f), "B", filled(8, 8, 0.25f)), options(2, 5_000))
                    .outputs().get("C").data();
            // A . (B + B) = 8 x 0.5 x 0.5 = 2.0, not A . B = 1.0.
            assertEquals(2.0f, c[0]);
            assertEquals(2.0f, c[63]);
        });
    }

    @Test
    void aCOpReadsTheOldValueEvenWhenTheSOpOfTheSiwMustGoLast() {
        String src = """
                .tensor A f32[4, 4] @1.1.1/1.1.1/1.1.1 input
                .tensor O f32[4, 4] @1.1.1/1.1.1/1.1.2 output
                S: CSET P0, A
                S: GATHER T1, P0, 4 x 4 ^0
                wait s0 | D: FILL T2, 4 x 4, 7.0
                D: MOV T1, T2 | S: GATHER T2, P0, 4 x 4 ^1 | C: ALLGATHER T3, T1, 0, 4 x 4 ^0
                wait s1, c0 | S: CSET P1, O
                S: SCATTER T3, P1, 4 x 4
                """;
        float[] o = Machine.run(program(src), Map.of("A", filled(4, 4, 3f)), options(1, 5_000)).outputs().get("O").data();
        assertEquals(3f, o[0], "ALLGATHER read T1 before the MOV of the same SIW");
    }

    @Test
    void opsThatExchangeRegistersInOneSiwRunWithTheSequentialResult() {
        String src = """
                .tensor O f32[4, 4] @1.1.1/1.1.1/1.1.2 output
                D: FILL T1, 4 x 4, 1.0
                D: FILL T2, 4 x 4, 2.0
                D: MOV T1, T2 | C: ALLGATHER T2, T1, 0, 4 x 4 ^0
                wait c0 | S: CSET P1, O
                S: SCATTER T2, P1, 4 x 4
                """;
        float[] o = Machine.run(program(src), Map.of(), options(1, 5_000)).outputs().get("O").data();
        assertEquals(1f, o[0], "ALLGATHER gathered the old T1");
    }

    @Test
    void aBranchReadsItsRegisterFromBeforeItsSiw() {
        // Each trip sets R1 = 1, then in one SIW sets R1 = 0 and branches on R1: the branch must see 1.
        String src = """
                .tensor O f32[1, 1] @1.1.1/1.1.1/1.1.1 output
                S: CSET P0, O
                D: FILL T0, 1 x 1, 1.0 | S: SLI R3, 2000 ^0
                outer:  S: SLI R1, 1 ^0
                wait s0 | S: SLI R1, 0 ^0 | C: BRNZ R1, yes
                C: JMP next
                yes:    S: SCATTER T0, P0, 1 x 1, add
                next:   wait s0 | C: LOOP R3, outer
                """;
        float[] o = Machine.run(program(src), Map.of(), options(1, 5_000)).outputs().get("O").data();
        assertEquals(2000f, o[0]);
    }

    @Test
    void decrementAndBranchInOneSiwTerminates() {
        String src = """
                .tensor O f32[1, 1] @1.1.1/1.1.1/1.1.1 output
                S: CSET P0, O
                D: FILL T0, 1 x 1, 1.0 | S: SLI R1, 3 ^0
                inner:  S: SCATTER T0, P0, 1 x 1, add
                wait s0 | S: SADD R1, R1, -1 ^0 | C: BRNZ R1, inner
                """;
        // The branch sees 3, 2, 1 and then 0: four scatters.
        float[] o = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> Machine.run(program(src), Map.of(), options(1, 5_000)).outputs().get("O").data());
        assertEquals(4f, o[0]);
    }

    @Test
    void anErrorOnTheSWorkerIsAFaultNotAHang() {
        String src = """
                S: CSET P0, 1.1.1/1.1.1/1.1.9
                S: ALLOC P0, i8, 2000000000 x 2000000000 ^0
                wait s0 | C: HALT
                """;
        VtpuRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(src), Map.of(), options(1, 5_000))));
        assertTrue(e.getMessage().contains("SIW 1"), e.getMessage());
    }

    @Test
    void nonSplitInputsAreReadOnly() {
        String src = """
                .tensor X f32[1, 4] @1.1.1/1.1.1/1.1.1 input
                S: CSET P0, X
                D: FILL T1, 1 x 4, 100.0
                S: SCATTER T1, P0, 1 x 4
                """;
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class,
                () -> Machine.run(program(src), Map.of("X", filled(1, 4, 0f)), options(2, 5_000)));
        assertTrue(e.getMessage().contains("read-only"), e.getMessage());
    }

    @Test
    void oneFailingSentronStopsTheOthersWithoutWaitingForTheTimeout() {
        String src = """
                S: SID R1 ^0
                S: CSET P0, 1.1.1/1.1.1/1.1.9
                wait s0 | C: BRZ R1, skip
                S: GATHER T1, P0, 4 x 4 ^1
                wait s1 | C: NOP
                skip:   C: BAR 0
                """;
        VtpuRuntimeException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(src), Map.of(), options(2, 60_000))));
        assertTrue(e.getMessage().contains("no page at 1.1.1/1.1.1/1.1.9"), "the first failure is reported: " + e.getMessage());
    }

    @Test
    void anEarlierSFaultIsReportedBeforeALaterCFault() {
        String src = """
                D: FILL T5, 1 x 1, 1.0 | S: CSET P0, 1.1.1/1.1.1/1.1.9
                S: GATHER T1, P0, 4 x 4 ^0
                D: FILL T2, 256 x 256, 1.0
                D: MMA T3, T2, T2, zero
                C: SEND T5, 7, 0
                wait s0 | C: HALT
                """;
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(src), Map.of(), options(1, 5_000)));
        assertTrue(e.getMessage().contains("SIW 1") && e.getMessage().contains("no page"), e.getMessage());
    }

    @Test
    void reduceChecksShapesAndGroupsCheckTheirMembers() {
        String mismatch = """
                S: SID R1 ^0
                wait s0 | C: BRZ R1, zero
                D: FILL T1, 4 x 2, 1.0
                C: JMP go
                zero: D: FILL T1, 2 x 4, 1.0
                go: C: REDUCE T1, 0, sum ^0
                wait c0 | D: NOP
                """;
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(mismatch), Map.of(), options(2, 5_000)));
        assertTrue(e.getMessage().contains("REDUCE") && e.getMessage().contains("tile"), e.getMessage());
        String group = ".group 1 = 0, 5\nC: BAR 1\n";
        VtpuRuntimeException g = assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(group), Map.of(), options(2, 60_000)));
        assertTrue(g.getMessage().contains("lists sentron 5, but only 2 run"), g.getMessage());
    }

    @Test
    void indexArithmeticThatOverflowsIsAFault() {
        String src = """
                S: SLI R1, -9223372036854775803
                S: INDEX P1, P0, line, R1, -9223372036854775808 ^0
                wait s0 | D: NOP
                """;
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class, () -> Machine.run(program(src), Map.of(), options(1, 5_000)));
        assertTrue(e.getMessage().contains("overflows"), e.getMessage());
    }
}

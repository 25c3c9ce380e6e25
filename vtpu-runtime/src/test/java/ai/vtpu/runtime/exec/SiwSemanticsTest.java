package ai.vtpu.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.runtime.telemetry.RunStats;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sequential semantics of docs/ISA.md §1.3, including the ordering of the ops inside one SIW. */
class SiwSemanticsTest {

    private static float[] run(String source, int sentrons, String output) {
        return Machine.run(Assembler.assemble(source, "t.siwa").program(), Map.of(), new Machine.Options(sentrons, false, 5_000, false))
                .outputs().get(output).data();
    }

    private static final String OUT = ".tensor out f32[1, 4] @1.1.1/1.1.1/1.1.1 output\n";

    @Test
    void anSOpThatWritesWhatTheDOpReadsSeesTheOldValueInTheDOp() {
        // D moves the old T2 (1.0) while S gathers new values (zeros from the page) into T2.
        float[] out = run(OUT + """
                S: CSET P0, out
                D: FILL T2, 1x4, 1.0
                D: MOV T1, T2 | S: GATHER T2, P0, 1x4 ^0
                wait s0 | S: SCATTER T1, P0, 1x4
                """, 1, "out");
        assertArrayEquals(new float[] {1, 1, 1, 1}, out);
    }

    @Test
    void anSOpThatReadsWhatTheDOpWritesSeesTheOldValue() {
        // The SCATTER writes the old T0 (3.0), though the D op of the same SIW refills T0 with 5.0.
        float[] out = run(OUT + """
                S: CSET P0, out
                D: FILL T0, 1x4, 3.0
                D: FILL T0, 1x4, 5.0 | S: SCATTER T0, P0, 1x4
                """, 1, "out");
        assertArrayEquals(new float[] {3, 3, 3, 3}, out);
    }

    @Test
    void aCOpThatReadsWhatTheDOpWritesSeesTheOldValue() {
        float[] out = run(OUT + """
                S: CSET P0, out
                D: FILL T1, 1x4, 2.0
                D: FILL T1, 1x4, 9.0 | C: SEND T1, 0, 3
                C: RECV T2, 0, 3, 1x4 ^0
                wait c0 | S: SCATTER T2, P0, 1x4
                """, 1, "out");
        assertArrayEquals(new float[] {2, 2, 2, 2}, out);
    }

    @Test
    void loopRunsItsBodyOnceWhenTheCounterIsNotPositive() {
        float[] out = run(OUT + """
                S: CSET P0, out
                D: FILL T1, 1x4, 0.0 | S: SLI R1, 0 ^0
                top: wait s0 | D: ADD T1, T1, 1.0
                C: LOOP R1, top
                S: SCATTER T1, P0, 1x4
                """, 1, "out");
        assertArrayEquals(new float[] {1, 1, 1, 1}, out);
        float[] three = run(OUT + """
                S: CSET P0, out
                D: FILL T1, 1x4, 0.0 | S: SLI R1, 3 ^0
                top: wait s0 | D: ADD T1, T1, 1.0
                C: LOOP R1, top
                S: SCATTER T1, P0, 1x4
                """, 1, "out");
        assertArrayEquals(new float[] {3, 3, 3, 3}, three);
    }

    @Test
    void stridedAndTransposedGathersAndOutOfPageZeros() {
        String src = """
                .tensor m f32[4, 4] @1.1.1/1.1.1/1.1.1 input
                .tensor out f32[2, 3] @1.1.1/1.1.1/1.1.2 output
                S: CSET P0, m@2:2
                S: GATHER T1, P0, 2x3, stride=2:1, t ^0
                S: CSET P1, out
                wait s0 | S: SCATTER T1, P1, 2x3
                """;
        float[] m = new float[16];
        for (int i = 0; i < 16; i++) {
            m[i] = i;
        }
        float[] out = Machine.run(Assembler.assemble(src, "t.siwa").program(), Map.of("m", new HostTensor(java.util.List.of(4, 4), m)),
                Machine.Options.of(1)).outputs().get("out").data();
        // Transposed: T(i, j) = m(1 + 2j, 1 + i); row 3 + 2 = 5 lies outside the page and reads 0.
        assertArrayEquals(new float[] {5, 13, 0, 6, 14, 0}, out);
    }

    @Test
    void prefetchTouchesTheRegionAndCountsIt() {
        String src = """
                .tensor m f32[64, 64] @1.1.1/1.1.1/1.1.1 input
                S: CSET P0, m
                S: PREFETCH P0, 64x64
                S: GATHER T1, P0, 64x64
                """;
        RunStats s = Machine.run(Assembler.assemble(src, "t.siwa").program(),
                Map.of("m", new HostTensor(java.util.List.of(64, 64), new float[64 * 64])), Machine.Options.of(1)).stats();
        assertEquals(64L * 64 * 4, s.total(SentronStats::prefetchBytes));
        assertEquals(64L * 64 * 4, s.total(SentronStats::sBytes));
    }

    @Test
    void indexArithmeticFaultsWhenItLeavesTheRange() {
        String src = "S: CSET P0, 1.1.1/1.1.1/1.1.999\nS: INDEX P1, P0, scroll, 1 ^0\nwait s0 | D: NOP\n";
        var e = org.junit.jupiter.api.Assertions.assertThrows(ai.vtpu.runtime.VtpuRuntimeException.class,
                () -> Machine.run(Assembler.assemble(src, "t.siwa").program(), Map.of(), Machine.Options.of(1)));
        assertTrue(e.getMessage().contains("SIW 1") && e.getMessage().contains("scroll would be 1000"), e.getMessage());
    }
}

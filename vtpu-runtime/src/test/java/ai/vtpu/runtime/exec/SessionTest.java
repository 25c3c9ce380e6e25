package ai.vtpu.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A loaded program keeps its weights resident and starts every run from the ISA's initial state. */
class SessionTest {
    private static HostTensor random(long seed, int... shape) {
        return HostTensor.gaussian(new Random(seed), java.util.Arrays.stream(shape).boxed().toList());
    }

    @Test
    void weightsSetOnceServeManyRunsWithTheSameResultsAsFreshRuns() {
        Program mlp = MachineTest.example("mlp.siwa");
        HostTensor w = random(1, 256, 128);
        HostTensor b = random(2, 1, 128);
        try (Machine.Session s = Machine.open(mlp, Machine.Options.of(2))) {
            s.set("W", w);
            s.set("b", b);
            for (int i = 0; i < 3; i++) {
                HostTensor x = random(10 + i, 128, 256);
                s.set("x", x);
                float[] session = s.run().outputs().get("y").data();
                float[] fresh = Machine.run(mlp, Map.of("x", x, "W", w, "b", b), Machine.Options.of(2)).outputs().get("y").data();
                assertArrayEquals(fresh, session, "run " + i);
            }
        }
    }

    @Test
    void pagesAllocatedByARunAreFreedBeforeTheNextAndScratchStartsAtZero() {
        String src = """
                .tensor out f32[1, 4] @1.1.1/1.1.1/1.1.1 output
                .tensor acc f32[1, 4] @1.1.1/1.1.1/1.1.2 scratch
                S: CSET P1, 2.1.1/1.1.1/1.1.1
                S: ALLOC P1, f32, 1x4
                S: CSET P2, acc
                D: FILL T1, 1x4, 1.0
                S: SCATTER T1, P2, 1x4, add
                S: GATHER T2, P2, 1x4 ^0
                S: CSET P0, out
                wait s0 | S: SCATTER T2, P0, 1x4
                """;
        Program p = Assembler.assemble(src, "t.siwa").program();
        try (Machine.Session s = Machine.open(p, Machine.Options.of(1))) {
            for (int i = 0; i < 3; i++) {
                // The scratch accumulator starts at zero every run, so the output is 1.0, not i + 1.
                assertArrayEquals(new float[] {1, 1, 1, 1}, s.run().outputs().get("out").data(), "run " + i);
            }
        }
        // The same program claiming WRITES_FIRST (falsely: it reads acc before writing it) shows that the session
        // then leaves the pages as the previous run wrote them instead of zero-filling them again.
        try (Machine.Session s = Machine.open(p.withWritesFirst(true), Machine.Options.of(1))) {
            for (int i = 0; i < 3; i++) {
                float v = i + 1;
                assertArrayEquals(new float[] {v, v, v, v}, s.run().outputs().get("out").data(), "run " + i);
            }
        }
    }

    /**
     * W is a non-split input, so its gathered tiles are kept (with their panel form) between runs and lent to
     * the registers. The program doubles the lent tile in place and all-reduces it over two sentrons, then
     * multiplies by it: neither may write through to the kept copy (each run sees W again, not 4W, 16W...),
     * and setting W again must replace the kept tiles.
     */
    @Test
    void keptWeightTilesAreNeverWrittenThroughAndFollowANewValue() {
        String src = """
                .tensor W f32[8, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor out f32[8, 8] @1.1.1/1.1.1/1.1.2 output
                .group 1 = 0..1
                S: CSET P0, W
                S: CSET P1, out ^0
                wait s0 | S: GATHER T1, P0, 8x8 ^1
                S: GATHER T2, P0, 8x8 ^2
                wait s1 | D: ADD T1, T1, T1
                C: REDUCE T1, 1, sum ^0
                wait s2, c0 | D: MMA T3, T1, T2, zero
                S: SCATTER T3, P1, 8x8 ^3
                wait s3 | C: HALT
                """;
        Program p = Assembler.assemble(src, "t.siwa").program();
        for (boolean reference : new boolean[] {false, true}) {
            try (Machine.Session s = Machine.open(p, new Machine.Options(2, reference, 10_000, false))) {
                for (int round = 0; round < 2; round++) {
                    HostTensor w = random(40 + round, 8, 8);
                    s.set("W", w);
                    float[] expected = new float[64];
                    for (int r = 0; r < 8; r++) {
                        for (int c = 0; c < 8; c++) {
                            double sum = 0;
                            for (int k = 0; k < 8; k++) {
                                sum += 4.0 * w.data()[r * 8 + k] * w.data()[k * 8 + c];
                            }
                            expected[r * 8 + c] = (float) sum;
                        }
                    }
                    for (int i = 0; i < 3; i++) {
                        assertArrayEquals(expected, s.run().outputs().get("out").data(), 1e-4f,
                                "reference kernels " + reference + ", W number " + round + ", run " + i);
                    }
                }
            }
        }
    }

    /** An MMA without zero accumulates onto a kept (lent) weight tile: from the second run on too. */
    @Test
    void anMmaAccumulatesOntoAKeptTile() {
        String src = """
                .tensor C f32[4, 4] @1.1.1/1.1.1/1.1.1 input
                .tensor A f32[4, 4] @1.1.1/1.1.1/1.1.2 input
                .tensor out f32[4, 4] @1.1.1/1.1.1/1.1.3 output
                S: CSET P0, C
                S: CSET P1, A
                S: CSET P2, out ^0
                wait s0 | S: GATHER T0, P0, 4x4
                S: GATHER T1, P1, 4x4 ^1
                wait s1 | D: MMA T0, T1, T1
                S: SCATTER T0, P2, 4x4 ^2
                wait s2 | C: HALT
                """;
        Program p = Assembler.assemble(src, "acc.siwa").program();
        HostTensor c = random(50, 4, 4);
        HostTensor a = random(51, 4, 4);
        float[] expected = c.data().clone();
        float[] aa = MachineTest.matmul(a.data(), a.data(), 4, 4, 4);
        for (int i = 0; i < 16; i++) {
            expected[i] += aa[i];
        }
        try (Machine.Session s = Machine.open(p, Machine.Options.of(1))) {
            s.set("C", c);
            s.set("A", a);
            for (int run = 0; run < 3; run++) {
                assertArrayEquals(expected, s.run().outputs().get("out").data(), 1e-5f, "run " + run);
            }
        }
    }

    /**
     * A loaded session reads the CPU clock and the counters on its first run and after a run of 200 µs or more,
     * not after a shorter one; a one-shot run always reads them.
     */
    @Test
    void aSessionSkipsTheClocksAfterAShortRun() {
        Program p = Assembler.assemble("""
                .tensor x f32[1, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor y f32[1, 8] @1.1.1/1.1.1/1.1.2 output
                S: CSET P0, x
                S: GATHER T1, P0, 1 x 8 ^0
                wait s0 | D: RELU T2, T1 | S: CSET P1, y
                S: SCATTER T2, P1, 1 x 8
                """, "short.siwa").program();
        HostTensor x = random(60, 1, 8);
        int skipped = 0;
        try (Machine.Session s = Machine.open(p, Machine.Options.of(1))) {
            s.set("x", x);
            long previousWall = -1;
            // Until some run skips (the first ones may be slow while the JIT compiles), at most 500 runs.
            for (int run = 0; run < 500 && skipped < 3; run++) {
                var r = s.run();
                var stats = r.stats().sentrons().get(0);
                boolean measured = stats.dCpuNanos() >= 0;
                assertTrue(measured == (previousWall < 0 || previousWall >= 200_000),
                        "run " + run + " after " + previousWall + " ns: " + stats);
                assertTrue(measured || stats.hw().status().startsWith("not measured"), stats.toString());
                skipped += measured ? 0 : 1;
                previousWall = r.stats().wallNanos();
            }
        }
        assertTrue(skipped > 0, "a 4-SIW run never took under 200 µs");
        var once = Machine.run(p, java.util.Map.of("x", x), Machine.Options.of(1)).stats().sentrons().get(0);
        assertTrue(once.dCpuNanos() >= 0 && !once.hw().status().startsWith("not measured"), once.toString());
    }

    @Test
    void aMissingInputAndAClosedSessionAreClearErrors() {
        Program mlp = MachineTest.example("mlp.siwa");
        Machine.Session s = Machine.open(mlp, Machine.Options.of(1));
        s.set("W", random(1, 256, 128));
        assertTrue(assertThrows(VtpuRuntimeException.class, s::run).getMessage().contains("input x"));
        s.close();
        assertThrows(VtpuRuntimeException.class, () -> s.set("b", random(2, 1, 128)));
    }
}

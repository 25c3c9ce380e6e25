package ai.vtpu.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.asm.Loader;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.telemetry.RunStats;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole programs on 1..N sentrons against plain-Java references. */
class MachineTest {
    private final Random rnd = new Random(7);

    static Program example(String name) {
        return Loader.load(Path.of("..", "examples", name)).program();
    }

    private HostTensor random(int... shape) {
        return HostTensor.gaussian(rnd, java.util.Arrays.stream(shape).boxed().toList());
    }

    static float[] matmul(float[] a, float[] b, int m, int k, int n) {
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = (float) s;
            }
        }
        return c;
    }

    static void close(float[] expected, float[] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
                fail("element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void theGemmExampleComputesAB(int sentrons) {
        HostTensor a = random(256, 256);
        HostTensor b = random(256, 256);
        Machine.Result r = Machine.run(example("gemm.siwa"), Map.of("A", a, "B", b), Machine.Options.of(sentrons));
        close(matmul(a.data(), b.data(), 256, 256, 256), r.outputs().get("C").data(), 1e-4);
        RunStats s = r.stats();
        assertEquals(sentrons, s.sentrons().size());
        assertEquals(2L * 256 * 256 * 256 * sentrons, s.total(x -> x.flops()), "every sentron runs the whole GEMM");
        assertTrue(s.total(x -> x.sBytes()) >= 3L * 256 * 256 * 4, "S moved at least A, B and C");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void theMlpExampleSplitsRowsAcrossSentrons(int sentrons) {
        HostTensor x = random(128, 256);
        HostTensor w = random(256, 128);
        HostTensor bias = random(1, 128);
        Machine.Result r = Machine.run(example("mlp.siwa"), Map.of("x", x, "W", w, "b", bias), Machine.Options.of(sentrons));
        float[] y = matmul(x.data(), w.data(), 128, 256, 128);
        for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(0, y[i] + bias.data()[i % 128]);
        }
        close(y, r.outputs().get("y").data(), 1e-4);
    }

    @Test
    void vectorAndReferenceKernelsAgreeOnTheMlp() {
        Map<String, HostTensor> in = Map.of("x", random(128, 256), "W", random(256, 128), "b", random(1, 128));
        float[] v = Machine.run(example("mlp.siwa"), in, Machine.Options.of(1)).outputs().get("y").data();
        float[] s = Machine.run(example("mlp.siwa"), in, new Machine.Options(1, true, 10_000, false)).outputs().get("y").data();
        close(s, v, 1e-4);
    }

    /**
     * S ops run inline by default; -Dvtpu.spipe=async gives the S pipe a worker thread that also packs gathered
     * tiles for MMA. Both schedules must compute the same bits, on fresh runs and on a session's later runs
     * (which lend kept weight tiles to the registers).
     */
    @Test
    void theAsyncSPipeComputesTheSameBitsAsTheInlineOne() {
        Map<String, HostTensor> in = Map.of("x", random(128, 256), "W", random(256, 128), "b", random(1, 128));
        Program mlp = example("mlp.siwa");
        float[] inline = Machine.run(mlp, in, Machine.Options.of(1)).outputs().get("y").data();
        withProperty("vtpu.spipe", "async", () -> {
            assertArrayEquals(inline, Machine.run(mlp, in, Machine.Options.of(1)).outputs().get("y").data());
            try (Machine.Session s = Machine.open(mlp, Machine.Options.of(1))) {
                in.forEach(s::set);
                for (int run = 0; run < 3; run++) {
                    Machine.Result r = s.run();
                    assertTrue(r.stats().sentrons().get(0).pinning().contains("S pipe on its own thread"));
                    assertArrayEquals(inline, r.outputs().get("y").data(), "session run " + run);
                }
            }
        });
    }

    /**
     * The time per opcode counts every op once and adds up to the pipes' busy times, with the S pipe inline or
     * on its own thread; the table and the JSON show it, and a sentron that was not run has none.
     */
    @Test
    void timePerOpcodeAddsUpToTheBusyTimes() {
        Program relu = Assembler.assemble("""
                .tensor x f32[4, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor w f32[8, 8] @1.1.1/1.1.1/1.1.2 input
                .tensor y f32[4, 8] @1.1.1/1.1.1/1.1.3 output
                S: CSET P0, x
                S: GATHER T1, P0, 4 x 8 ^0
                S: CSET P1, w
                S: GATHER T2, P1, 8 x 8 ^1
                wait s0, s1 | D: MMA T3, T1, T2, zero
                D: RELU T3, T3 | S: CSET P2, y
                S: SCATTER T3, P2, 4 x 8
                """, "relu.siwa").program();
        Map<String, HostTensor> in = Map.of("x", random(4, 8), "w", random(8, 8));
        for (String sPipe : List.of("inline", "async")) {
            withProperty("vtpu.spipe", sPipe, () -> {
                RunStats stats = Machine.run(relu, in, Machine.Options.of(1)).stats();
                SentronStats s = stats.sentrons().get(0);
                Map<String, Long> counts = new java.util.HashMap<>();
                long d = 0;
                long sBusy = 0;
                for (var t : s.opTimes()) {
                    counts.put(t.pipe() + " " + t.opcode(), t.count());
                    d += t.pipe().equals("D") ? t.nanos() : 0;
                    sBusy += t.pipe().equals("S") ? t.nanos() : 0;
                }
                assertEquals(Map.of("D MMA", 1L, "D RELU", 1L, "S CSET", 3L, "S GATHER", 2L, "S SCATTER", 1L), counts, sPipe);
                assertEquals(s.dBusyNanos(), d, sPipe);
                assertEquals(s.sBusyNanos(), sBusy, sPipe);
                assertTrue(stats.table(4.0).contains("time by opcode"), sPipe);
                assertTrue(stats.json(4.0).contains("{\"pipe\":\"D\",\"opcode\":\"MMA\",\"count\":1,"), sPipe);
            });
        }
        assertEquals(List.of(), SentronStats.notRun(1, "idle").opTimes());
        // A session times ops only when asked (busy times -1 otherwise, not 0), and even then not in a run
        // after one of under 200 µs.
        try (Machine.Session session = Machine.open(relu, Machine.Options.of(1))) {
            in.forEach(session::set);
            SentronStats untimed = session.run().stats().sentrons().get(0);
            assertEquals(-1, untimed.dBusyNanos());
            assertEquals(List.of(), untimed.opTimes());
        }
        try (Machine.Session session = Machine.open(relu, Machine.Options.of(1)).timeOps(true)) {
            in.forEach(session::set);
            SentronStats first = session.run().stats().sentrons().get(0);
            assertTrue(first.dBusyNanos() > 0 && !first.opTimes().isEmpty());
            RunStats previous = session.run().stats();
            RunStats next = session.run().stats();
            for (int i = 0; i < 1000 && previous.wallNanos() >= 200_000; i++) { // until the JIT makes a run short
                previous = next;
                next = session.run().stats();
            }
            assertTrue(previous.wallNanos() < 200_000, "no run under 200 µs");
            SentronStats s = next.sentrons().get(0);
            assertEquals(-1, s.dBusyNanos());
            assertEquals(-1, s.sBusyNanos());
            assertEquals(List.of(), s.opTimes());
            assertTrue(next.table(4.0).lines().anyMatch(l -> l.startsWith("0 ") && l.contains(" - ")), next.table(4.0));
        }
    }

    /** Runs {@code body} with a system property set (the runtime's switches are read per run), then restores it. */
    static void withProperty(String key, String value, Runnable body) {
        String before = System.getProperty(key);
        System.setProperty(key, value);
        try {
            body.run();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    /** The calling thread runs sentron 0 and is pinned only once the run reaches 1024 SIWs. */
    @Test
    void theCallingThreadIsPinnedOnlyForALongRun() {
        Program shortRun = Assembler.assemble("C: HALT\n", "short.siwa").program();
        String pinning = Machine.run(shortRun, Map.of(), Machine.Options.of(1)).stats().sentrons().get(0).pinning();
        assertTrue(pinning.startsWith("not pinned (the run ended before SIW 1024)"), pinning);
        Program longRun = Assembler.assemble("""
                S: SLI R1, 3000 ^0
                wait s0 | C: NOP
                loop: C: LOOP R1, loop
                """, "long.siwa").program();
        RunStats s = Machine.run(longRun, Map.of(), Machine.Options.of(1)).stats();
        assertTrue(s.sentrons().get(0).siws() > 2048, "the loop ran");
        pinning = s.sentrons().get(0).pinning();
        // Pinned from SIW 1024 on, unless this OS refuses sched_setaffinity (then it says why).
        assertTrue(pinning.startsWith("cpu 0 (from SIW 1024)") || pinning.startsWith("not pinned: "), pinning);
    }

    /**
     * A batch of one row on two sentrons: sentron 1's shard of every divided tensor is empty and the program
     * does not communicate, so it is not run (no thread woken), and the result is the one-sentron result. With
     * a collective in the program every sentron runs, since the others would wait for it.
     */
    @Test
    void aSentronWithAnEmptyShardOfEverythingIsNotRun() {
        java.util.function.IntFunction<Program> relu = rows -> Assembler.assemble("""
                .tensor x f32[%d, 8] @1.1.1/1.1.1/1.1.1 input split=rows
                .tensor y f32[%d, 8] @1.1.1/1.1.1/1.1.2 output split=rows
                S: CSET P0, x
                S: GATHER T1, P0, 1 x 8 ^0
                wait s0 | D: RELU T2, T1 | S: CSET P1, y
                S: SCATTER T2, P1, 1 x 8
                """.formatted(rows, rows), "relu.siwa").program();
        HostTensor one = random(1, 8);
        Machine.Result r = Machine.run(relu.apply(1), Map.of("x", one), Machine.Options.of(2));
        assertTrue(r.stats().sentrons().get(1).pinning().startsWith("idle"), r.stats().sentrons().get(1).pinning());
        assertEquals(0, r.stats().sentrons().get(1).siws());
        assertTrue(r.stats().sentrons().get(0).siws() > 0);
        assertArrayEquals(Machine.run(relu.apply(1), Map.of("x", one), Machine.Options.of(1)).outputs().get("y").data(),
                r.outputs().get("y").data());
        assertTrue(Machine.run(relu.apply(2), Map.of("x", random(2, 8)), Machine.Options.of(2)).stats().sentrons().get(1).siws() > 0,
                "a row each: both run");
        Program reduce = Assembler.assemble("""
                .tensor x f32[1, 8] @1.1.1/1.1.1/1.1.1 input split=rows
                .tensor y f32[1, 8] @1.1.1/1.1.1/1.1.2 output split=rows
                S: CSET P0, x
                S: GATHER T1, P0, 1 x 8 ^0
                wait s0 | C: REDUCE T1, 0, sum ^0
                wait c0 | S: CSET P1, y
                S: SCATTER T1, P1, 1 x 8
                """, "reduce.siwa").program();
        HostTensor x = random(1, 8);
        Machine.Result both = Machine.run(reduce, Map.of("x", x), Machine.Options.of(2));
        assertTrue(both.stats().sentrons().get(1).siws() > 0, "a program that communicates runs on every sentron");
        assertArrayEquals(x.data(), both.outputs().get("y").data(), "sentron 1 contributed its zero shard");
    }

    /**
     * Sentrons that do not communicate may run on any thread: one whose pool thread has not started when the
     * calling thread finishes its own sentron is run by the calling thread. A one-SIW shard is done long before
     * a parked pool thread wakes, so within 200 runs the calling thread takes sentron 1; every run is correct
     * whichever thread ran it.
     */
    @Test
    void theCallingThreadRunsASentronWhosePoolThreadHasNotStarted() {
        Program relu = Assembler.assemble("""
                .tensor x f32[2, 8] @1.1.1/1.1.1/1.1.1 input split=rows
                .tensor y f32[2, 8] @1.1.1/1.1.1/1.1.2 output split=rows
                S: CSET P0, x
                S: GATHER T1, P0, 1 x 8 ^0
                wait s0 | D: RELU T2, T1 | S: CSET P1, y
                S: SCATTER T2, P1, 1 x 8
                """, "relu.siwa").program();
        HostTensor x = random(2, 8);
        float[] expected = x.data().clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] = Math.max(0, expected[i]);
        }
        int byCaller = 0;
        try (Machine.Session s = Machine.open(relu, Machine.Options.of(2))) {
            s.set("x", x);
            for (int run = 0; run < 200 && byCaller < 3; run++) {
                Machine.Result r = s.run();
                assertArrayEquals(expected, r.outputs().get("y").data(), "run " + run);
                byCaller += r.stats().sentrons().get(1).pinning().contains("run by the calling thread") ? 1 : 0;
            }
        }
        assertTrue(byCaller > 0, "the calling thread never ran sentron 1");
    }

    @Test
    void collectivesAreBitIdenticalOnEveryMember() {
        String src = """
                .tensor out f32[4, 8] @1.1.1/1.1.1/1.1.1 output split=rows
                .tensor gathered f32[4, 16] @1.1.1/1.1.1/1.1.2 output split=rows
                S: SID R1 ^0
                wait s0 | D: FILL T1, 1x8, 0.5 | S: CSET P0, out
                D: FILL T2, 1x8, 1.0
                D: MUL T3, T1, T1
                C: REDUCE T3, 0, sum ^0
                wait c0 | D: ADD T4, T3, T2 | C: BAR 0
                S: SCATTER T4, P0, 1x8
                C: ALLGATHER T5, T4, 0, 4x8 ^1
                wait c1 | D: TRN T6, T5
                D: NOP
                """;
        // Four sentrons each contribute 0.25; the sum 1.0 plus 1.0 is 2.0 on every member.
        Program p = Assembler.assemble(src, "coll.siwa").program();
        Machine.Result r = Machine.run(p, Map.of(), Machine.Options.of(4));
        float[] out = r.outputs().get("out").data();
        for (int i = 0; i < 4; i++) {
            assertEquals(2.0f, out[i * 8], "row of sentron " + i);
        }
    }

    @Test
    void sendAndReceiveMoveTilesBetweenSentrons() {
        String src = """
                .tensor out f32[2, 4] @1.1.1/1.1.1/1.1.1 output split=rows
                S: SID R1 ^0
                S: CSET P0, out
                wait s0 | C: BRNZ R1, receiver
                D: FILL T1, 1x4, 3.0
                C: SEND T1, 1, 7
                S: SCATTER T1, P0, 1x4 ^1
                wait s1 | C: HALT
                receiver: C: RECV T2, 0, 7, 1x4 ^0
                wait c0 | D: MUL T2, T2, 2.0
                S: SCATTER T2, P0, 1x4
                """;
        Machine.Result r = Machine.run(Assembler.assemble(src, "p2p.siwa").program(), Map.of(), Machine.Options.of(2));
        assertEquals(List.of(3f, 3f, 3f, 3f, 6f, 6f, 6f, 6f),
                java.util.Arrays.asList(box(r.outputs().get("out").data())));
    }

    private static Float[] box(float[] a) {
        Float[] b = new Float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = a[i];
        }
        return b;
    }

    @Test
    void aPeerThatNeverSendsIsAnErrorNotAHang() {
        String src = "S: SID R1 ^0\nwait s0 | C: BRZ R1, done\nC: RECV T1, 0, 1, 2x2\ndone: C: HALT\n";
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class, () -> Machine.run(
                Assembler.assemble(src, "t.siwa").program(), Map.of(), new Machine.Options(2, false, 300, false)));
        assertTrue(e.getMessage().contains("no tile from sentron 0"), e.getMessage());
        assertTrue(e.getMessage().contains("SIW 2"), e.getMessage());
    }

    @Test
    void aMissingPageIsAFaultNamingTheSiw() {
        String src = "S: CSET P0, 7.7.7/7.7.7/7.7.7\nS: GATHER T1, P0, 4x4 ^0\nwait s0 | D: RELU T2, T1\n";
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class,
                () -> Machine.run(Assembler.assemble(src, "t.siwa").program(), Map.of(), Machine.Options.of(1)));
        assertTrue(e.getMessage().contains("SIW 1") && e.getMessage().contains("no page at 7.7.7/7.7.7/7.7.7"), e.getMessage());
    }

    @Test
    void inputsAreCheckedAgainstTheDeclarations() {
        Program gemm = example("gemm.siwa");
        HostTensor a = random(256, 256);
        assertTrue(assertThrows(VtpuRuntimeException.class, () -> Machine.run(gemm, Map.of("A", a), Machine.Options.of(1)))
                .getMessage().contains("input B"));
        assertTrue(assertThrows(VtpuRuntimeException.class,
                () -> Machine.run(gemm, Map.of("A", a, "B", random(256, 255)), Machine.Options.of(1)))
                .getMessage().contains("shape [256, 255]"));
        assertTrue(assertThrows(VtpuRuntimeException.class,
                () -> Machine.run(gemm, Map.of("A", a, "B", a, "C", a), Machine.Options.of(1)))
                .getMessage().contains("not input"));
    }

    @Test
    void anInvalidProgramIsRefused() {
        Program p = Assembler.assemble("S: CSET P0, 1.1.1/1.1.1/1.1.1\nS: GATHER T1, P0, 8x8\nD: RELU T2, T1\n", "t.siwa").program();
        VtpuRuntimeException e = assertThrows(VtpuRuntimeException.class, () -> Machine.run(p, Map.of(), Machine.Options.of(1)));
        assertTrue(e.getMessage().contains("VTPU-1051"), e.getMessage());
    }

    @Test
    void allocScatterGatherFreeRoundTripsThroughMemory() {
        String src = """
                .tensor out f32[3, 5] @1.1.1/1.1.1/1.1.1 output
                S: CSET P1, 2.1.1/1.1.1/1.1.1
                S: ALLOC P1, bf16, 3x5
                D: FILL T1, 3x5, 1.00390625
                S: SCATTER T1, P1, 3x5
                S: SCATTER T1, P1, 3x5, add
                S: GATHER T2, P1, 3x5 ^0
                wait s0 | S: FREE P1
                S: CSET P0, out
                S: SCATTER T2, P0, 3x5
                """;
        Machine.Result r = Machine.run(Assembler.assemble(src, "t.siwa").program(), Map.of(), Machine.Options.of(1));
        // 1.00390625 is not a bf16 value: it rounds to 1.0; 1.0 + 1.0 = 2.0.
        for (float v : r.outputs().get("out").data()) {
            assertEquals(2.0f, v);
        }
    }

    @Test
    void anInterruptedRunStopsWithinItsSiwBudget() throws Exception {
        // 4e9 SIWs would take minutes; interrupted, the run must end promptly with an error (node agents cancel so).
        Program p = Assembler.assemble("""
                .tensor Y f32[8, 8] @1.1.1/1.1.1/1.1.2 output
                        S: SLI R1, 4000000000 ^0
                        wait s0 | S: CSET P0, Y
                loop:   D: FILL T0, 8x8, 1.0 | C: LOOP R1, loop
                        S: SCATTER T0, P0, 8x8 ^1
                        wait s1
                """, "spin.siwa").program();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Machine.run(p, Map.of(), Machine.Options.of(2));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Thread.sleep(200);
        long t0 = System.nanoTime();
        t.interrupt();
        t.join(10_000);
        assertTrue(!t.isAlive(), "the run ended after the interrupt");
        assertTrue((System.nanoTime() - t0) < 5_000_000_000L, "within 5 s");
        assertTrue(thrown.get() instanceof VtpuRuntimeException, String.valueOf(thrown.get()));
    }
}

package ai.vtpu.bench;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.kernel.Tile;
import ai.vtpu.runtime.kernel.VectorKernels;
import ai.vtpu.runtime.telemetry.ClockProbe;
import ai.vtpu.runtime.telemetry.RunStats;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The benchmarks behind {@code vtpu bench} and BENCHMARKS.md: SGEMM through SIW programs next to the same
 * tile kernel called directly and OpenBLAS, double-buffered versus plain GEMM, and the synthetic streams.
 * Every figure is the median of {@code reps} measured runs after warm-up runs, measured in this process;
 * the program's time is its execution on the sentrons (first SIW to drained pipes, the slowest sentron),
 * not the copying of inputs into pages.
 */
public final class BenchSuite {
    private final PrintWriter out;
    private final int reps;
    private final int warmups;
    private final double clockGHz;

    public BenchSuite(PrintWriter out, int reps, int warmups) {
        this.out = out;
        this.reps = reps;
        this.warmups = warmups;
        this.clockGHz = ClockProbe.measureGHz(7);
    }

    public double clockGHz() {
        return clockGHz;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static HostTensor random(Random r, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new HostTensor(List.of(rows, cols), v);
    }

    /** Median execution time (ns) of a program and the stats of the median run. */
    record Timed(double nanos, RunStats stats) {
    }

    Timed time(Program p, Map<String, HostTensor> in, int sentrons) {
        Machine.Options o = new Machine.Options(sentrons, false, 60_000, true);
        for (int i = 0; i < warmups; i++) {
            Machine.run(p, in, o);
        }
        double[] t = new double[reps];
        RunStats[] stats = new RunStats[reps];
        for (int i = 0; i < reps; i++) {
            RunStats s = Machine.run(p, in, o).stats();
            stats[i] = s;
            t[i] = s.sentrons().stream().mapToLong(SentronStats::wallNanos).max().orElse(0);
        }
        double m = median(t);
        int at = 0;
        for (int i = 0; i < reps; i++) {
            if (t[i] == m) {
                at = i;
            }
        }
        return new Timed(m, stats[at]);
    }

    /**
     * The same sequence of tile products through VectorKernels.mma, called directly on operand tiles cut out
     * beforehand (B tiles already in the panel form the S pipe prepares): the kernel's time alone, with no
     * SIWs, no gathers and no pipes.
     */
    double directKernelNanos(float[] a, float[] b, int n, int tile) {
        VectorKernels k = new VectorKernels();
        int blocks = n / tile;
        float[][] at = new float[blocks * blocks][];
        Tile[] bt = new Tile[blocks * blocks];
        for (int i = 0; i < blocks; i++) {
            for (int j = 0; j < blocks; j++) {
                at[i * blocks + j] = new float[tile * tile];
                bt[i * blocks + j] = new Tile();
                float[] bd = bt[i * blocks + j].shape(tile, tile);
                for (int r = 0; r < tile; r++) {
                    System.arraycopy(a, (i * tile + r) * n + j * tile, at[i * blocks + j], r * tile, tile);
                    System.arraycopy(b, (i * tile + r) * n + j * tile, bd, r * tile, tile);
                }
                VectorKernels.preparePanels(bt[i * blocks + j]);
            }
        }
        float[] tc = new float[tile * tile];
        Runnable once = () -> {
            for (int i = 0; i < blocks; i++) {
                for (int j = 0; j < blocks; j++) {
                    for (int p = 0; p < blocks; p++) {
                        Tile bp = bt[p * blocks + j];
                        k.mma(at[i * blocks + p], tile, tile, false, bp.data(), tile, tile, bp.panels(), tc, p == 0);
                    }
                }
            }
        };
        for (int i = 0; i < warmups; i++) {
            once.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            once.run();
            t[i] = System.nanoTime() - t0;
        }
        return median(t);
    }

    private static double gflops(int n, double nanos) {
        return 2.0 * n * n * n / nanos;
    }

    /** Back-to-back repetitions so that one timed run does about 0.1 s of work at 200 GFLOP/s. */
    static int repeatFor(int n) {
        return (int) Math.max(1, Math.min(256, 2e10 / (2.0 * n * n * n)));
    }

    public void sgemm(int[] sizes, int[] sentronCounts) {
        int tile = 256;
        out.printf(Locale.ROOT, "## SGEMM through SIW programs (tile %d, fp32), clock measured in this run: %.2f GHz%n%n", tile, clockGHz);
        out.println("| n | sentrons | SIW program GFLOP/s | tile kernel alone GFLOP/s (1 thread) | OpenBLAS GFLOP/s (same threads) "
                + "| program / OpenBLAS | sentron time outside D ops | FLOP/cycle (derived) |");
        out.println("|---|---|---|---|---|---|---|---|");
        out.flush();
        Random r = new Random(1);
        for (int n : sizes) {
            HostTensor a = random(r, n, n);
            HostTensor b = random(r, n, n);
            double direct = gflops(n, directKernelNanos(a.data(), b.data(), n, tile));
            for (int s : sentronCounts) {
                if ((n / tile) % s != 0) {
                    out.printf(Locale.ROOT, "| %d | %d | (n/tile not divisible by sentrons) | | | | | |%n", n, s);
                    continue;
                }
                int repeat = repeatFor(n);
                Program p = Assembler.assemble(GemmProgram.siwa(n, tile, s, true, repeat), "gemm-" + n + ".siwa").program();
                Timed t = time(p, Map.of("A", a, "B", b), s);
                double prog = gflops(n, t.nanos() / repeat);
                StringBuilder why = new StringBuilder();
                Optional<OpenBlasAnchor.Result> blas = OpenBlasAnchor.sgemm(n, s, reps, why);
                String blasText = blas.map(x -> String.format(Locale.ROOT, "%.1f", x.gflops())).orElse("n/a");
                String ratio = blas.map(x -> String.format(Locale.ROOT, "%.2fx", prog / x.gflops())).orElse("n/a");
                // Dispatch, waits and C ops: the share of the sentrons' wall time not spent executing D ops.
                double outside = 1 - t.stats().total(SentronStats::dBusyNanos) / (double) t.stats().total(SentronStats::wallNanos);
                String overhead = String.format(Locale.ROOT, "%.1f%%", 100 * outside);
                double fpc = t.stats().flopPerCycle(clockGHz);
                out.printf(Locale.ROOT, "| %d | %d | %.1f | %s | %s | %s | %s | %.1f of %d |%n", n, s, prog,
                        s == 1 ? String.format(Locale.ROOT, "%.1f", direct) : "-", blasText, ratio, overhead, fpc, 64 * 1);
                out.flush();
                if (blas.isEmpty()) {
                    out.println("  " + why);
                } else if (n == sizes[0] && s == sentronCounts[0]) {
                    out.println("  anchor: " + blas.get().description());
                }
            }
        }
        out.println();
    }

    public void overlap(int n, int sentrons) {
        int tile = 256;
        Random r = new Random(2);
        HostTensor a = random(r, n, n);
        HostTensor b = random(r, n, n);
        out.printf(Locale.ROOT, "## Double-buffered versus plain GEMM (n=%d, %d sentron(s))%n%n", n, sentrons);
        out.println("| program | median ms per GEMM | GFLOP/s | D stall on S (ms per GEMM) | S busy (ms per GEMM) |");
        out.println("|---|---|---|---|---|");
        double[] ms = new double[2];
        int i = 0;
        for (boolean db : new boolean[] {false, true}) {
            int repeat = repeatFor(n);
            Program p = Assembler.assemble(GemmProgram.siwa(n, tile, sentrons, db, repeat), "gemm.siwa").program();
            Timed t = time(p, Map.of("A", a, "B", b), sentrons);
            ms[i++] = t.nanos() / 1e6 / repeat;
            out.printf(Locale.ROOT, "| %s | %.2f | %.1f | %.2f | %.2f |%n", db ? "double-buffered" : "plain", t.nanos() / 1e6 / repeat,
                    gflops(n, t.nanos() / repeat), t.stats().total(SentronStats::dStallNanos) / 1e6 / repeat,
                    t.stats().total(SentronStats::sBusyNanos) / 1e6 / repeat);
            out.flush();
        }
        out.printf(Locale.ROOT, "%ndouble-buffered is %.2fx the speed of plain%n%n", ms[0] / ms[1]);
    }

    public void synthetic() {
        out.println("## Synthetic SIW streams (2 sentrons, 64x64 tiles)");
        out.println();
        out.println("| mix | locality | SIWs/s (per sentron) | ops/SIW | GFLOP/s | FLOP/cycle (derived) | S GB/s | PPT hit |");
        out.println("|---|---|---|---|---|---|---|---|");
        for (SyntheticProgram.Mix mix : SyntheticProgram.Mix.values()) {
            for (SyntheticProgram.Locality loc : SyntheticProgram.Locality.values()) {
                int trips = switch (mix) {
                    case D_HEAVY, BALANCED -> 20;
                    default -> 40;
                } * (loc == SyntheticProgram.Locality.MEDIUM ? 1 : 4);
                Program p = Assembler.assemble(SyntheticProgram.siwa(mix, loc, trips), "synthetic.siwa").program();
                Timed t = time(p, Map.of(), 2);
                RunStats s = t.stats();
                double secs = t.nanos() / 1e9;
                long siws = s.total(SentronStats::siws);
                long ops = s.total(SentronStats::dOps) + s.total(SentronStats::sOps) + s.total(SentronStats::cOps);
                out.printf(Locale.ROOT, "| %s | %s | %.3g | %.2f | %.1f | %.2f | %.2f | %.1f%% |%n", mix.name().toLowerCase(Locale.ROOT),
                        loc.name().toLowerCase(Locale.ROOT), siws / 2.0 / secs, ops / (double) siws,
                        s.total(SentronStats::flops) / secs / 1e9, s.flopPerCycle(clockGHz),
                        s.total(SentronStats::sBytes) / secs / 1e9,
                        100.0 * s.total(SentronStats::pptHits) / Math.max(1, s.total(SentronStats::pptHits) + s.total(SentronStats::pptMisses)));
                out.flush();
            }
        }
        out.println();
    }

    /**
     * The compiler's tier ladder: SGEMM and the fused MLP layer compiled from the IR at -O0..-O3, next to
     * the hand-written programs (GemmProgram's double-buffered GEMM, examples/mlp.siwa), in one run.
     */
    public void compiler(int[] sizes) {
        out.println("## phextcc: tiers against hand-written programs (1 sentron)");
        out.println();
        out.println("| workload | program | SIWs | median ms per pass | GFLOP/s | vs hand-written |");
        out.println("|---|---|---|---|---|---|");
        Random r = new Random(3);
        for (int n : sizes) {
            HostTensor a = random(r, n, n);
            HostTensor b = random(r, n, n);
            int repeat = repeatFor(n);
            Program hand = Assembler.assemble(GemmProgram.siwa(n, 256, 1, true, repeat), "gemm.siwa").program();
            String ir = "graph gemm\ninput A: f32[" + n + ", " + n + "]\ninput B: f32[" + n + ", " + n + "]\nC = matmul(A, B)\noutput C\n";
            ladder("SGEMM n=" + n, ir, hand, Map.of("A", a, "B", b), 2.0 * n * n * n, repeat);
        }
        // The fused MLP layer against examples/mlp.siwa, wrapped in the same kind of repeat loop.
        HostTensor x = random(r, 128, 256);
        HostTensor w = random(r, 256, 128);
        HostTensor bias = random(r, 1, 128);
        int repeat = 256;
        Program hand = Assembler.assemble(repeated(readExample("mlp.siwa"), repeat), "mlp.siwa").program();
        String ir = "graph mlp\ninput x: f32[128, 256]\ninput W: f32[256, 128]\ninput b: f32[1, 128]\nh = matmul(x, W)\n"
                + "hb = add(h, b)\ny = relu(hb)\noutput y\n";
        ladder("MLP layer relu(xW+b) 128x256x128", ir, hand, Map.of("x", x, "W", w, "b", bias), 2.0 * 128 * 256 * 128, repeat);
        out.println();
    }

    private static String readExample(String name) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("vtpu.examples", "examples"), name));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read examples/" + name + " (run from the repository root)", e);
        }
    }

    /** A hand-written program with a final HALT, repeated in a loop on R15 (which the examples leave alone). */
    static String repeated(String siwa, int repeat) {
        StringBuilder sb = new StringBuilder();
        boolean started = false;
        for (String line : siwa.split("\n")) {
            String t = line.strip();
            boolean code = !t.isEmpty() && !t.startsWith(";") && !t.startsWith(".");
            if (code && !started) {
                sb.append("        S: SLI R15, ").append(repeat).append("\nagain:\n");
                started = true;
            }
            if (code && t.endsWith("C: HALT")) {
                sb.append("        sync | C: LOOP R15, again\n");
            }
            sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /**
     * Hand-written and -O0..-O3, each repeating the computation {@code repeat} times in a loop, warmed up
     * together and then measured in interleaved rounds (no order bias).
     */
    private void ladder(String workload, String ir, Program hand, Map<String, HostTensor> in, double flop, int repeat) {
        List<Program> programs = new ArrayList<>(List.of(hand));
        for (int opt = 0; opt <= 3; opt++) {
            programs.add(ai.vtpu.phextcc.Compiler.compile(ai.vtpu.phextcc.ir.IrParser.parse(ir, "bench.ir"), opt, 1, repeat)
                    .program());
        }
        Machine.Options o = new Machine.Options(1, false, 60_000, true);
        for (int w = 0; w < warmups; w++) {
            for (Program p : programs) {
                Machine.run(p, in, o);
            }
        }
        double[][] t = new double[programs.size()][reps];
        for (int rep = 0; rep < reps; rep++) {
            for (int i = 0; i < programs.size(); i++) {
                t[i][rep] = Machine.run(programs.get(i), in, o).stats().sentrons().get(0).wallNanos() / (double) repeat;
            }
        }
        double handNs = median(t[0]);
        for (int i = 0; i < programs.size(); i++) {
            double ns = median(t[i]);
            out.printf(Locale.ROOT, "| %s | %s | %d | %.3f | %.1f | %.2fx |%n", workload, i == 0 ? "hand-written" : "phextcc -O" + (i - 1),
                    programs.get(i).code().size(), ns / 1e6, flop / ns, handNs / ns);
        }
        out.flush();
    }

    /** Entry point for {@code java -cp ... ai.vtpu.bench.BenchSuite [all|sgemm|overlap|synthetic|compiler] [reps]}. */
    public static void main(String[] args) {
        String what = args.length > 0 ? args[0] : "all";
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        PrintWriter out = new PrintWriter(System.out, true);
        BenchSuite b = new BenchSuite(out, reps, 3);
        run(b, what, new int[] {256, 512, 1024, 2048}, new int[] {1, 2});
    }

    public static void run(BenchSuite b, String what, int[] sizes, int[] sentrons) {
        List<String> parts = new ArrayList<>(List.of(what.split(",")));
        boolean all = parts.contains("all");
        if (all || parts.contains("sgemm")) {
            b.sgemm(sizes, sentrons);
        }
        if (all || parts.contains("overlap")) {
            b.overlap(1024, 1);
        }
        if (all || parts.contains("synthetic")) {
            b.synthetic();
        }
        if (all || parts.contains("compiler")) {
            b.compiler(new int[] {512, 1024});
        }
    }
}

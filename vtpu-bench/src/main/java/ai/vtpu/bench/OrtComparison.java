package ai.vtpu.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.vtpu.isa.program.Program;
import ai.vtpu.phextcc.Compiler;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.onnx.OnnxImporter;
import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.phextcc.onnx.OnnxWriter;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * ONNX Runtime as the bar: the same ONNX models (written here by {@link OnnxWriter}, weights random with a
 * fixed seed) run by ONNX Runtime's Java API (CPU execution provider, intra-op threads = sentrons) and by
 * vTPU (imported, compiled -O3), side by side in one process; outputs are compared, then latencies.
 * Run: {@code java --add-modules jdk.incubator.vector -cp vtpu-bench/target/benchmarks.jar ai.vtpu.bench.OrtComparison
 * [REPS [MODELS [BATCHES [THREADS [alone]]]]]}; the engines alternate run by run unless {@code alone} is given.
 */
public final class OrtComparison {
    static final int D = 256;
    static final int SEQ = 64;

    private OrtComparison() {
    }

    private static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    /** relu(x W1 + b1) W2 + b2 on [batch, 256] -> [batch, 256], hidden 1024. */
    public static byte[] mlp(int batch) {
        Random r = new Random(1);
        return new OnnxWriter("mlp").input("x", batch, D)
                .initializer("W1", random(r, D * 1024, 0.05), D, 1024).initializer("B1", random(r, 1024, 0.1), 1024)
                .initializer("W2", random(r, 1024 * D, 0.05), 1024, D).initializer("B2", random(r, D, 0.1), D)
                .node("Gemm", List.of("x", "W1", "B1"), List.of("h"))
                .node("Relu", List.of("h"), List.of("a"))
                .node("Gemm", List.of("a", "W2", "B2"), List.of("y"))
                .output("y", batch, D).toBytes();
    }

    /** Single-head attention with softmax, residual, layer norm, GELU MLP on [batch, 64, 256]. */
    public static byte[] encoder(int batch) {
        Random r = new Random(2);
        OnnxWriter w = new OnnxWriter("encoder").opset(20).input("x", batch, SEQ, D);
        for (String m : List.of("Wq", "Wk", "Wv", "Wo")) {
            w.initializer(m, random(r, D * D, 0.06), D, D);
        }
        return w.initializer("scale", new float[] {(float) (1 / Math.sqrt(D))}, 1)
                .initializer("g", random(r, D, 0.1), D).initializer("b", random(r, D, 0.1), D)
                .initializer("W1", random(r, D * 512, 0.05), D, 512).initializer("W2", random(r, 512 * D, 0.05), 512, D)
                .node("MatMul", List.of("x", "Wq"), List.of("q")).node("MatMul", List.of("x", "Wk"), List.of("k"))
                .node("MatMul", List.of("x", "Wv"), List.of("v"))
                .node("Transpose", List.of("k"), List.of("kt"), "perm", new long[] {0, 2, 1})
                .node("MatMul", List.of("q", "kt"), List.of("s")).node("Mul", List.of("s", "scale"), List.of("ss"))
                .node("Softmax", List.of("ss"), List.of("p"), "axis", -1L)
                .node("MatMul", List.of("p", "v"), List.of("att")).node("MatMul", List.of("att", "Wo"), List.of("o"))
                .node("Add", List.of("x", "o"), List.of("res"))
                .node("LayerNormalization", List.of("res", "g", "b"), List.of("n"), "axis", -1L, "epsilon", 1e-5f)
                .node("MatMul", List.of("n", "W1"), List.of("f")).node("Gelu", List.of("f"), List.of("fa"))
                .node("MatMul", List.of("fa", "W2"), List.of("m")).node("Add", List.of("n", "m"), List.of("y"))
                .output("y", batch, SEQ, D).toBytes();
    }

    /** RMS norm (from primitives) and a SiLU-gated MLP with a residual on [batch, 64, 256]. */
    public static byte[] decoder(int batch) {
        Random r = new Random(3);
        return new OnnxWriter("decoder").input("x", batch, SEQ, D)
                .initializer("eps", new float[] {1e-6f}, 1).initializer("one", new float[] {1f}, 1)
                .initializer("gamma", random(r, D, 0.1), D)
                .initializer("Wg", random(r, D * 512, 0.05), D, 512).initializer("Wu", random(r, D * 512, 0.05), D, 512)
                .initializer("Wd", random(r, 512 * D, 0.05), 512, D)
                .node("Mul", List.of("x", "x"), List.of("x2"))
                .node("ReduceMean", List.of("x2"), List.of("ms"), "axes", new long[] {-1}, "keepdims", 1L)
                .node("Add", List.of("ms", "eps"), List.of("mse")).node("Sqrt", List.of("mse"), List.of("rms"))
                .node("Div", List.of("one", "rms"), List.of("inv")).node("Mul", List.of("x", "inv"), List.of("xn0"))
                .node("Mul", List.of("xn0", "gamma"), List.of("xn"))
                .node("MatMul", List.of("xn", "Wg"), List.of("a")).node("Sigmoid", List.of("a"), List.of("sa"))
                .node("Mul", List.of("a", "sa"), List.of("silu")).node("MatMul", List.of("xn", "Wu"), List.of("u"))
                .node("Mul", List.of("silu", "u"), List.of("h")).node("MatMul", List.of("h", "Wd"), List.of("d"))
                .node("Add", List.of("x", "d"), List.of("y"))
                .output("y", batch, SEQ, D).toBytes();
    }

    /**
     * One comparison. {@code ortCores} and {@code vtpuCores} are the process CPU time over the wall time of
     * each engine's run (medians): how many cores it really kept busy, whatever its thread setting says.
     */
    record Row(String model, int batch, int threads, double ortMs, double vtpuMs, double vtpuExecMs, double maxDiff,
               double ortCores, double vtpuCores) {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        PrintWriter out = new PrintWriter(System.out, true);
        List<Row> rows = new ArrayList<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Path tmp = Files.createTempDirectory("vtpu-ort");
        // Optional filters, for profiling one case: models (comma-separated), batches, thread counts.
        List<String> models = args.length > 1 ? List.of(args[1].split(",")) : List.of("mlp", "encoder", "decoder");
        int[] batches = args.length > 2 ? ints(args[2]) : new int[] {1, 32};
        int[] threadCounts = args.length > 3 ? ints(args[3]) : new int[] {1, 2};
        // "alone": each engine's runs back to back instead of alternating run by run with the other's.
        boolean alternate = args.length <= 4 || !args[4].equals("alone");
        for (String model : models) {
            for (int batch : batches) {
                byte[] bytes = switch (model) {
                    case "mlp" -> mlp(batch);
                    case "encoder" -> encoder(batch);
                    default -> decoder(batch);
                };
                Path file = tmp.resolve(model + "-" + batch + ".onnx");
                Files.write(file, bytes);
                for (int threads : threadCounts) {
                    rows.add(compare(env, file, model, batch, threads, reps, alternate));
                    Row last = rows.get(rows.size() - 1);
                    out.printf(Locale.ROOT, "%s batch %d threads %d: ORT %.3f ms (%.2f cores), vTPU %.3f ms (execution %.3f ms, "
                            + "%.2f cores), max |diff| %.2g%n", model, batch, threads, last.ortMs(), last.ortCores(), last.vtpuMs(),
                            last.vtpuExecMs(), last.vtpuCores(), last.maxDiff());
                }
            }
        }
        out.println();
        out.println("| model | batch | threads = sentrons | ONNX Runtime ms | ORT cores busy | vTPU ms (whole run) | vTPU ms (execution) | "
                + "vTPU cores busy | throughput vs ORT (whole run) | throughput vs ORT (execution) | max abs diff |");
        out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %.3f | %.2f | %.3f | %.3f | %.2f | %.2fx | %.2fx | %.1e |%n", r.model(), r.batch(),
                    r.threads(), r.ortMs(), r.ortCores(), r.vtpuMs(), r.vtpuExecMs(), r.vtpuCores(), r.ortMs() / r.vtpuMs(),
                    r.ortMs() / r.vtpuExecMs(), r.maxDiff());
        }
    }

    private static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private interface Run {
        void run() throws Exception;
    }

    /**
     * Process CPU time over wall time while {@code r} runs back to back for at least half a second (the
     * process CPU clock ticks too coarsely to time one run). JIT and GC threads count too, so this is an
     * upper bound on the engine's own cores.
     */
    private static double busyCores(Run r) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long t;
        do {
            r.run();
            t = System.nanoTime();
        } while (t - t0 < 500_000_000L);
        return (double) (os.getProcessCpuTime() - c0) / (t - t0);
    }

    /** The slowest sentron's execution time of a run, ms. */
    private static double execMs(Machine.Result r) {
        return r.stats().sentrons().stream().mapToLong(SentronStats::wallNanos).max().orElse(0) / 1e6;
    }

    /**
     * Warm-up: at least 10 runs of each engine, in turn, and 2 s in all, so the JIT has compiled vTPU's paths for
     * the model's shapes before anything is timed (ONNX Runtime is native and needs none).
     */
    private static void warmUp(Run... runs) throws Exception {
        long warmUntil = System.nanoTime() + 2_000_000_000L;
        for (int i = 0; i < 10 || System.nanoTime() < warmUntil; i++) {
            for (Run r : runs) {
                r.run();
            }
        }
    }

    /** Warm-up, then one timed run per slot of {@code ms} (and of {@code exec} from {@code result}). */
    private static void time(Run r, double[] ms, double[] exec, Machine.Result[] result) throws Exception {
        warmUp(r);
        for (int rep = 0; rep < ms.length; rep++) {
            long t0 = System.nanoTime();
            r.run();
            ms[rep] = (System.nanoTime() - t0) / 1e6;
            if (exec != null) {
                exec[rep] = execMs(result[0]);
            }
        }
    }

    /** One model, one batch, one thread count: the two engines' outputs and timings (also used by the agreement test). */
    static Row compare(OrtEnvironment env, Path file, String model, int batch, int threads, int reps, boolean alternate)
            throws Exception {
        OnnxModel.Model m = OnnxModel.read(file);
        OnnxImporter.Result imp = OnnxImporter.importModel(m, file.toString());
        Graph g = imp.graph();
        int sentrons = threads;
        String x = imp.inputNames().get("x");
        // The batch is split across sentrons: rows of the MLP's 2-D input, whole sequences of the blocks' input.
        Graph imported = g;
        if (sentrons > 1) {
            g = new Graph(imported.name(), imported.inputs(), imported.nodes(), imported.outputs(), Set.of(x));
        }
        Graph graph = g;
        Program program = Compiler.compile(g, 3, sentrons).program();
        Random r = new Random(7);
        List<Integer> xShape = g.inputs().get(x).shape();
        float[] xv = random(r, (int) g.inputs().get(x).elements(), 1.0);
        Map<String, HostTensor> in = new HashMap<>();
        imp.constantsF32().forEach((k, v) -> in.put(k, new HostTensor(graph.inputs().get(k).shape(), v)));
        in.put(x, new HostTensor(xShape, xv));
        Machine.Options o = new Machine.Options(sentrons, false, 60_000, true);

        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        so.setIntraOpNumThreads(threads);
        so.setInterOpNumThreads(1);
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // ORT's pool spins after each run by default, which would steal the cores vTPU runs on next.
        so.addConfigEntry("session.intra_op.allow_spinning", "0");
        // vTPU keeps the program loaded and the weights resident, as ONNX Runtime does: each run copies x in.
        Map<String, HostTensor> weights = new HashMap<>(in);
        weights.remove(x);
        try (OrtSession session = env.createSession(file.toString(), so); Machine.Session loaded = Machine.open(program, o)) {
            weights.forEach(loaded::set);
            long[] shape = xShape.stream().mapToLong(Integer::longValue).toArray();
            float[][] ortOut = new float[1][];
            Machine.Result[] ourResult = new Machine.Result[1];
            Run ortRun = () -> {
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(xv), shape);
                        OrtSession.Result res = session.run(Map.of("x", t))) {
                    FloatBuffer fb = ((OnnxTensor) res.get(0)).getFloatBuffer();
                    ortOut[0] = new float[fb.remaining()];
                    fb.get(ortOut[0]);
                }
            };
            Run ourRun = () -> {
                loaded.set(x, in.get(x));
                ourResult[0] = loaded.run();
            };
            double[] ort = new double[reps];
            double[] ours = new double[reps];
            double[] exec = new double[reps];
            if (alternate) {
                warmUp(ortRun, ourRun);
                for (int rep = 0; rep < reps; rep++) {
                    long t0 = System.nanoTime();
                    ortRun.run();
                    long t1 = System.nanoTime();
                    ourRun.run();
                    long t2 = System.nanoTime();
                    ort[rep] = (t1 - t0) / 1e6;
                    ours[rep] = (t2 - t1) / 1e6;
                    exec[rep] = execMs(ourResult[0]);
                }
            } else {
                // Each engine alone: its warm-up and runs back to back, so neither starts a run with caches the
                // other has filled.
                time(ortRun, ort, null, null);
                time(ourRun, ours, exec, ourResult);
            }
            float[] ourOut = ourResult[0].outputs().get(imp.outputNames().get("y")).data();
            double diff = 0;
            for (int i = 0; i < ortOut[0].length; i++) {
                diff = Math.max(diff, Math.abs(ortOut[0][i] - ourOut[i]));
            }
            return new Row(model, batch, threads, BenchSuite.median(ort), BenchSuite.median(ours), BenchSuite.median(exec), diff,
                    busyCores(ortRun), busyCores(ourRun));
        }
    }
}

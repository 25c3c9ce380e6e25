package ai.vtpu.phextcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.vtpu.isa.verify.Validator;
import ai.vtpu.phextcc.eval.Evaluator;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded differential fuzzing of the compiler: random graphs are written as IR text (so the parser is part
 * of what is tested), compiled at -O0..-O3 for one sentron (and, when the graph is row-parallel and its
 * first input is declared {@code split=rows}, for 2 or 3 sentrons), validated, run on the {@link Machine}
 * and compared element by element with the {@link Evaluator}.
 *
 * <p>The generator only writes graphs that are valid and that code generation supports (docs/IR.md): shapes
 * are built to fit, values are kept moderate (an estimate of each value's magnitude is tracked, and choices
 * that would make it large are skipped), {@code exp} only gets small arguments, {@code sqrt} only strictly
 * positive values computed to full relative precision (outputs of exp, sigmoid, softmax), and {@code div}
 * only divides by {@code exp(t)} of a small {@code t}. Everything is derived from the seed, so a failing
 * seed reproduces exactly; its message carries the IR text.
 */
class RandomGraphTest {
    static final int[] DIMS = {1, 2, 7, 16, 33, 64, 100, 255, 256, 257, 300};

    /** Largest estimated magnitude a generated value may have (keeps float rounding and exp in range). */
    static final double MAX_SCALE = 40;

    /**
     * Relative tolerance: |got - ref| <= TOL * max(1, |ref|). The reference computes every node in double and
     * rounds to float once per node; the machine computes in float (matmuls over k up to 300, split into
     * 256-wide steps, the norms and softmax with float sums). With magnitudes bounded by MAX_SCALE the
     * accumulated float error stays below about 1e-5 relative, so 2e-4 leaves a wide margin without hiding
     * real bugs, which show up as O(1) differences. (Over 600 seeds no difference was rounding alone, so the
     * bound did not need widening; the ill-conditioned cases are kept out by the generator instead: norms
     * of rows shorter than 7, sqrt near 0, division by values near 0.)
     */
    static final double TOL = 2e-4;

    static final AtomicInteger GRAPHS = new AtomicInteger();
    static final AtomicInteger SPLIT_COMPILED = new AtomicInteger();
    static final AtomicInteger SPLIT_REFUSED = new AtomicInteger();
    /** Compiles in which -O3 kept values in registers (KeepInRegisters forwarded a GATHER). */
    static final AtomicInteger KEPT = new AtomicInteger();
    static final Map<String, Integer> REFUSALS = new java.util.concurrent.ConcurrentSkipListMap<>();

    /** The fixed seeds: 300 graphs (about 10 s on two cores). */
    static LongStream seeds() {
        return LongStream.rangeClosed(1, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomGraphsMatchTheReference(long seed) {
        Gen.Case c = new Gen(seed).generate();
        Graph g = IrParser.parse(c.ir(), "seed" + seed + ".ir");
        GRAPHS.incrementAndGet();
        Map<String, float[]> in = inputs(g, seed);
        Map<String, float[]> want = Evaluator.run(g, in);
        for (var e : want.entrySet()) {
            for (float v : e.getValue()) {
                if (!Float.isFinite(v)) {
                    fail("generator bug: seed " + seed + " gives a non-finite reference for " + e.getKey() + "\n" + c.ir());
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (int opt = 0; opt <= 3; opt++) {
            check(g, in, want, opt, 1, problems);
        }
        if (c.ir().contains("matmul(") || c.ir().contains("gemm(")) {
            // Matmuls with more than one inner step (k > 256) as counted loops (normally only past 16 steps).
            check(g, in, want, (int) (seed % 4), 1, 1, problems);
        }
        if (c.rowParallel()) {
            int sentrons = 2 + (int) (seed % 2);
            for (int opt : new int[] {(int) (seed % 4), (int) ((seed + 2) % 4)}) {
                check(g, in, want, opt, sentrons, problems);
            }
        }
        if (!problems.isEmpty()) {
            fail("seed " + seed + ":\n  " + String.join("\n  ", problems) + "\nIR:\n" + c.ir());
        }
    }

    @AfterAll
    static void summary() {
        System.out.println("RandomGraphTest: " + GRAPHS.get() + " graphs; multi-sentron compiles " + SPLIT_COMPILED.get()
                + ", refused " + SPLIT_REFUSED.get() + " " + REFUSALS + "; compiles with values kept in registers " + KEPT.get());
        if (GRAPHS.get() >= 100) {
            // The fuzzing must reach the register pass, or it tests nothing of it.
            assertTrue(KEPT.get() > 0, "no compile kept a value in registers");
        }
    }

    static Map<String, float[]> inputs(Graph g, long seed) {
        return CompileAndRunTest.randomInputs(g, seed * 7919 + 17);
    }

    /** Compiles, validates, runs and compares one configuration; adds a line per problem (the first per output). */
    static void check(Graph g, Map<String, float[]> in, Map<String, float[]> want, int opt, int sentrons, List<String> problems) {
        check(g, in, want, opt, sentrons, 0, problems);
    }

    /** As above; {@code loopSteps} > 0 makes matmuls with more inner steps than that counted loops. */
    static void check(Graph g, Map<String, float[]> in, Map<String, float[]> want, int opt, int sentrons, int loopSteps,
                      List<String> problems) {
        String tier = "-O" + opt + " --sentrons " + sentrons + (loopSteps > 0 ? " (loopSteps " + loopSteps + ")" : "");
        Compiler.Result res;
        try {
            res = loopSteps > 0 ? Compiler.compile(g, opt, sentrons, 1, loopSteps) : Compiler.compile(g, opt, sentrons);
        } catch (RuntimeException e) {
            if (!(e instanceof CompileException)) {
                problems.add(tier + ": compile threw " + e);
                return;
            }
            // For several sentrons the compiler may refuse a graph that mixes rows or needs a collective it does
            // not generate yet, with a message saying so: allowed. Internal errors are never allowed.
            if (sentrons > 1 && !e.getMessage().contains("internal error")) {
                SPLIT_REFUSED.incrementAndGet();
                String m = e.getMessage();
                int open = m.indexOf('(');
                int close = open < 0 ? -1 : m.indexOf(')', open);
                String op = close > open ? m.substring(open, close + 1) + " " : "";
                String why = m.contains("needs a collective") ? "needs a collective"
                        : m.contains("not generated yet") ? "not generated yet" : "other";
                REFUSALS.merge(op + why, 1, Integer::sum);
                return;
            }
            problems.add(tier + ": compile failed: " + e.getMessage());
            return;
        }
        if (sentrons > 1) {
            SPLIT_COMPILED.incrementAndGet();
        }
        if (CompileAndRunTest.keptCount(res.report(), "gathers forwarded") > 0) {
            KEPT.incrementAndGet();
        }
        try {
            assertEquals(List.of(), Validator.validate(res.program()), "validator findings");
        } catch (AssertionError e) {
            problems.add(tier + ": " + e.getMessage());
            return;
        }
        Map<String, HostTensor> host = new HashMap<>();
        in.forEach((k, v) -> host.put(k, new HostTensor(g.inputs().get(k).shape(), v)));
        Map<String, HostTensor> out;
        try {
            out = Machine.run(res.program(), host, new Machine.Options(sentrons, false, 10_000, false)).outputs();
        } catch (RuntimeException e) {
            problems.add(tier + ": run failed: " + e);
            return;
        }
        for (var e : want.entrySet()) {
            float[] ref = e.getValue();
            HostTensor h = out.get(e.getKey());
            if (h == null) {
                problems.add(tier + ": output " + e.getKey() + " missing");
                continue;
            }
            float[] got = h.data();
            if (got.length < ref.length) {
                problems.add(tier + ": output " + e.getKey() + " has " + got.length + " elements, expected " + ref.length);
                continue;
            }
            int bad = 0;
            int first = -1;
            for (int i = 0; i < ref.length; i++) {
                if (!(Math.abs(ref[i] - got[i]) <= TOL * Math.max(1, Math.abs(ref[i])))) {
                    if (first < 0) {
                        first = i;
                    }
                    bad++;
                }
            }
            if (first >= 0) {
                List<Integer> shape = g.type(e.getKey()).shape();
                int cols = shape.get(shape.size() - 1);
                problems.add(String.format(Locale.ROOT, "%s: output %s %s: first difference at [%d] (row %d, col %d): got %s, reference %s"
                        + " (%d of %d elements differ)", tier, e.getKey(), shape, first, first / cols, first % cols, got[first], ref[first],
                        bad, ref.length));
            }
        }
    }

    /** A random graph generator; all choices come from the seed. */
    static final class Gen {
        record Case(String ir, boolean rowParallel) {
        }

        /** A value of the graph as the generator sees it. */
        record V(String name, int[] shape, double scale, boolean positive, boolean split) {
            int rank() {
                return shape.length;
            }

            int rows() {
                return shape.length == 1 ? 1 : shape[0];
            }

            int cols() {
                return shape[shape.length - 1];
            }

            long elements() {
                long n = 1;
                for (int d : shape) {
                    n *= d;
                }
                return n;
            }
        }

        final Random r;
        final long seed;
        /**
         * Row-parallel mode: the first input is split by rows and every node works row by row on values derived
         * from it (other operands are weights or broadcast rows), so the graph can be compiled for several sentrons.
         */
        boolean rowMode;
        final boolean splitGraph;
        final List<V> pool = new ArrayList<>();
        final StringBuilder decls = new StringBuilder();
        final StringBuilder body = new StringBuilder();
        final List<String> nodeNames = new ArrayList<>();
        int inputs;
        int splitRows;

        Gen(long seed) {
            this.seed = seed;
            this.r = new Random(seed * 1_000_003L + 12345);
            this.rowMode = r.nextInt(5) < 2;
            this.splitGraph = rowMode;
        }

        int dim() {
            return DIMS[r.nextInt(DIMS.length)];
        }

        static String shapeText(int[] s) {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < s.length; i++) {
                b.append(i == 0 ? "" : ", ").append(s[i]);
            }
            return b.append(']').toString();
        }

        V input(int[] shape, boolean split) {
            String name = "x" + inputs++;
            decls.append("input ").append(name).append(": f32").append(shapeText(shape)).append(split ? " split=rows" : "").append('\n');
            V v = new V(name, shape, 0.5, false, split);
            pool.add(v);
            return v;
        }

        V node(String op, List<String> args, String attrs, int[] shape, double scale, boolean positive, boolean split) {
            String name = "v" + nodeNames.size();
            body.append(name).append(" = ").append(op).append('(').append(String.join(", ", args));
            if (!attrs.isEmpty()) {
                body.append(args.isEmpty() ? "" : ", ").append(attrs);
            }
            body.append(")\n");
            nodeNames.add(name);
            V v = new V(name, shape, scale, positive, split);
            pool.add(v);
            return v;
        }

        Case generate() {
            int n0 = 1 + r.nextInt(3);
            for (int i = 0; i < n0; i++) {
                int[] s = {dim(), dim()};
                input(s, rowMode && i == 0);
                if (i == 0) {
                    splitRows = s[0];
                }
            }
            int target = 3 + r.nextInt(8);
            for (int attempt = 0; nodeNames.size() < target && attempt < 500; attempt++) {
                step();
            }
            if (nodeNames.isEmpty()) {
                node("relu", List.of(pool.get(0).name()), "", pool.get(0).shape(), 0.5, false, pool.get(0).split());
            }
            Set<String> outs = new LinkedHashSet<>();
            outs.add(nodeNames.get(nodeNames.size() - 1));
            int more = r.nextInt(3);
            for (int i = 0; i < more; i++) {
                outs.add(nodeNames.get(r.nextInt(nodeNames.size())));
            }
            if (r.nextInt(12) == 0) {
                outs.add("x0"); // an input that is also an output (declared inout)
            }
            String ir = "# RandomGraphTest seed " + seed + (splitGraph ? ", row-parallel" : "") + "\ngraph g" + seed + "\n" + decls + body
                    + "output " + String.join(", ", outs) + "\n";
            return new Case(ir, splitGraph);
        }

        /** After a row-mixing probe the graph goes on as an ordinary one (it is still compiled for N sentrons). */
        void rowMixed() {
            rowMode = false;
        }

        /** A value for the main operand of a node: recent values are preferred, so chains get deep. */
        V pickMain(Predicate<V> ok) {
            List<V> c = pool.stream().filter(ok).filter(v -> !rowMode || v.split()).toList();
            if (c.isEmpty()) {
                return null;
            }
            int back = (int) Math.min(c.size() - 1, Math.abs(r.nextGaussian()) * 2.5);
            return c.get(c.size() - 1 - back);
        }

        /**
         * A secondary operand of exactly this shape and at most this scale: an existing value or a new input. In
         * row mode an operand with the split rows must itself be split (a replicated one would not line up), and
         * one that is not split must not have them.
         */
        V operand(int[] shape, double maxScale) {
            boolean mustSplit = rowMode && shape.length == 2 && shape[0] == splitRows && splitRows > 1;
            List<V> c = pool.stream().filter(v -> Arrays.equals(v.shape(), shape) && v.scale() <= maxScale)
                    .filter(v -> !rowMode || v.split() == mustSplit || (splitRows == 1 && shape.length == 2 && shape[0] == 1)).toList();
            if (mustSplit) {
                return c.isEmpty() ? null : c.get(r.nextInt(c.size()));
            }
            if (!c.isEmpty() && r.nextBoolean()) {
                return c.get(r.nextInt(c.size()));
            }
            return maxScale >= 0.5 ? input(shape, false) : null;
        }

        void step() {
            switch (r.nextInt(15)) {
                case 14 -> shift();
                case 0, 1 -> matmul(false);
                case 2 -> matmul(true);
                case 3, 4 -> binary();
                case 5, 6 -> unary();
                case 7, 8 -> rowwise();
                case 9 -> reduce();
                case 10 -> transpose();
                case 11 -> slice();
                case 12 -> concat();
                default -> reshape();
            }
        }

        static final String[] ACTS = {"relu", "gelu", "silu", "sigmoid", "tanh"};

        void matmul(boolean gemm) {
            V a = pickMain(v -> v.rank() == 2);
            if (a == null) {
                return;
            }
            // In row mode transpose_a mixes the rows of the split operand: a rare probe that the partitioner must refuse.
            boolean ta = r.nextInt(rowMode ? 20 : 4) == 0;
            boolean tb = r.nextInt(3) == 0;
            int m = ta ? a.shape()[1] : a.shape()[0];
            int k = ta ? a.shape()[0] : a.shape()[1];
            V b = null;
            if (r.nextInt(3) == 0) {
                // An existing value as the right operand (a.a^T and the like); in row mode a split one, which every
                // sentron needs whole (attention's q.k^T and p.v: the partitioner all-gathers it).
                List<V> c = pool.stream().filter(v -> v.rank() == 2 && (tb ? v.shape()[1] : v.shape()[0]) == k)
                        .filter(v -> !rowMode || v.split()).toList();
                if (!c.isEmpty()) {
                    b = c.get(r.nextInt(c.size()));
                }
            }
            double sb = b == null ? 0.5 : b.scale();
            double scale = a.scale() * sb * Math.sqrt(k);
            if (scale > MAX_SCALE) {
                return;
            }
            if (b == null) {
                int n = dim();
                b = input(tb ? new int[] {n, k} : new int[] {k, n}, false);
            }
            int n = tb ? b.shape()[0] : b.shape()[1];
            List<String> args = new ArrayList<>(List.of(a.name(), b.name()));
            if (gemm) {
                int[][] biasShapes = {{m, n}, {1, n}, {n}, {m, 1}, {1, 1}, {1}};
                V c = null;
                for (int t = 0; t < 4 && c == null; t++) {
                    c = operand(biasShapes[r.nextInt(biasShapes.length)], MAX_SCALE - scale);
                }
                if (c == null) {
                    return;
                }
                args.add(c.name());
                scale += c.scale();
            }
            List<String> attrs = new ArrayList<>();
            if (ta) {
                attrs.add("transpose_a=true");
            }
            if (tb) {
                attrs.add("transpose_b=true");
            } else if (r.nextInt(6) == 0) {
                attrs.add("transpose_b=false");
            }
            boolean positive = false;
            if (r.nextInt(5) == 0) {
                String act = ACTS[r.nextInt(ACTS.length)];
                attrs.add("activation=" + act);
                if (act.equals("sigmoid") || act.equals("tanh")) {
                    scale = 1;
                }
                positive = act.equals("sigmoid");
            }
            node(gemm ? "gemm" : "matmul", args, String.join(", ", attrs), new int[] {m, n}, Math.max(scale, 0.05), positive,
                    a.split() && !ta);
            if (rowMode && ta) {
                rowMixed();
            }
        }

        /** The broadcast result shape of two shapes (NumPy rules, ranks 1 and 2). */
        static int[] broadcast(int[] x, int[] y) {
            int rank = Math.max(x.length, y.length);
            int[] s = new int[rank];
            for (int i = 0; i < rank; i++) {
                int dx = i - (rank - x.length) >= 0 ? x[i - (rank - x.length)] : 1;
                int dy = i - (rank - y.length) >= 0 ? y[i - (rank - y.length)] : 1;
                s[i] = Math.max(dx, dy);
            }
            return s;
        }

        /** A shape for the second operand of an elementwise op whose first operand has shape {@code a}. */
        int[] partnerShape(V a) {
            int[] s = a.shape();
            if (s.length == 1) {
                return switch (r.nextInt(5)) {
                    case 0 -> s.clone();
                    case 1 -> new int[] {1};
                    case 2 -> new int[] {1, s[0]};
                    case 3 -> new int[] {rowMode ? splitRows : dim(), s[0]}; // a broadcasts over the rows of b
                    default -> new int[] {rowMode ? splitRows : dim(), 1}; // outer: [n] with [m, 1]
                };
            }
            int rr = s[0];
            int cc = s[1];
            return switch (r.nextInt(9)) {
                case 0, 1 -> s.clone();
                case 2 -> new int[] {1, cc};
                case 3 -> new int[] {cc};
                case 4 -> new int[] {rr, 1};
                case 5 -> new int[] {1, 1};
                case 6 -> rr == 1 ? new int[] {rowMode ? splitRows : dim(), cc} : new int[] {rr, 1}; // a broadcasts over b's rows
                case 7 -> cc == 1 ? new int[] {rr, dim()} : new int[] {1, cc}; // a broadcasts over b's columns
                default -> rr == 1 || cc == 1 ? new int[] {cc == 1 ? 1 : rowMode ? splitRows : dim(), rr == 1 ? 1 : dim()}
                        : new int[] {1, 1}; // outer product shapes: [m, 1] with [1, n]
            };
        }

        void binary() {
            V a = pickMain(v -> true);
            if (a == null) {
                return;
            }
            String op = new String[] {"add", "sub", "mul", "div"}[r.nextInt(4)];
            int[] bs = partnerShape(a);
            if (rowMode && bs.length == 2 && bs[0] == splitRows && a.rows() != splitRows) {
                return; // a row-broadcast first operand needs a split partner; keep it simple
            }
            if (op.equals("div")) {
                // Divide only by exp(t) with a small t: the divisor is positive and computed to full relative precision.
                V t = operand(bs, 1.5);
                if (t == null) {
                    return;
                }
                double scale = a.scale() * Math.exp(2 * t.scale());
                if (scale > MAX_SCALE) {
                    return;
                }
                V d = node("exp", List.of(t.name()), "", t.shape(), Math.exp(2 * t.scale()), true, t.split());
                node("div", List.of(a.name(), d.name()), "", broadcast(a.shape(), bs), scale, a.positive(), a.split() || d.split());
                return;
            }
            double room = op.equals("mul") ? MAX_SCALE / a.scale() : MAX_SCALE - a.scale();
            V b = operand(bs, room);
            if (b == null) {
                return;
            }
            double scale = switch (op) {
                case "mul" -> a.scale() * b.scale();
                default -> a.scale() + b.scale();
            };
            boolean positive = (op.equals("mul") || op.equals("add")) && a.positive() && b.positive();
            List<String> args = r.nextInt(3) == 0 ? List.of(b.name(), a.name()) : List.of(a.name(), b.name());
            node(op, args, "", broadcast(a.shape(), bs), Math.max(scale, 0.05), positive, a.split() || b.split());
        }

        void unary() {
            V a = pickMain(v -> true);
            if (a == null) {
                return;
            }
            String op = new String[] {"relu", "gelu", "silu", "sigmoid", "tanh", "exp", "sqrt"}[r.nextInt(7)];
            double scale = a.scale();
            boolean positive = false;
            switch (op) {
                case "exp" -> {
                    scale = Math.exp(2 * a.scale());
                    if (scale > MAX_SCALE) {
                        op = "tanh";
                        scale = 1;
                    } else {
                        positive = true;
                    }
                }
                case "sqrt" -> {
                    if (!a.positive()) {
                        op = "silu"; // sqrt only of strictly positive values (exp, sigmoid, softmax outputs)
                    } else {
                        scale = Math.sqrt(scale);
                        positive = true;
                    }
                }
                case "sigmoid" -> {
                    scale = 1;
                    positive = true;
                }
                case "tanh" -> scale = 1;
                default -> {
                }
            }
            node(op, List.of(a.name()), "", a.shape(), scale, positive, a.split());
        }

        void rowwise() {
            String op = new String[] {"softmax", "layer_norm", "rms_norm"}[r.nextInt(3)];
            // The norms need a last axis of at least 7: on a row of one or two values they are a step function
            // of the input (x / sqrt(x^2 + eps) is the sign of x), which float rounding may flip. Rows longer
            // than one tile (257, 300) take the multi-pass lowering.
            int minCols = op.equals("softmax") ? 1 : 7;
            V a = pickMain(v -> v.cols() >= minCols);
            if (a == null) {
                return;
            }
            int c = a.cols();
            List<String> args = new ArrayList<>(List.of(a.name()));
            double scale = 1;
            boolean positive = op.equals("softmax");
            if (!op.equals("softmax") && r.nextBoolean()) {
                V s = operand(r.nextInt(4) == 0 ? new int[] {1, c} : new int[] {c}, MAX_SCALE / 4);
                if (s == null) {
                    return;
                }
                args.add(s.name());
                scale = 4 * s.scale();
                if (op.equals("layer_norm") && r.nextBoolean()) {
                    V b = operand(new int[] {c}, MAX_SCALE / 4);
                    if (b == null) {
                        return;
                    }
                    args.add(b.name());
                    scale += b.scale();
                }
            }
            List<String> attrs = new ArrayList<>();
            if (r.nextInt(4) == 0) {
                attrs.add("axis=-1");
            }
            if (!op.equals("softmax") && r.nextInt(4) == 0) {
                attrs.add("epsilon=0.001");
            }
            node(op, args, String.join(", ", attrs), a.shape(), scale, positive, a.split());
        }

        void reduce() {
            V a = pickMain(v -> true);
            if (a == null) {
                return;
            }
            String op = new String[] {"reduce_sum", "reduce_mean", "reduce_max"}[r.nextInt(3)];
            boolean keep = a.rank() == 1 || (rowMode ? r.nextInt(6) != 0 : r.nextBoolean());
            double scale = switch (op) {
                case "reduce_sum" -> a.scale() * (a.positive() ? a.cols() : Math.sqrt(a.cols()));
                case "reduce_mean" -> a.scale();
                default -> a.scale() * 3;
            };
            if (scale > MAX_SCALE) {
                return;
            }
            String attrs = keep ? (r.nextBoolean() ? "keepdims=true" : "") : "keepdims=false";
            if (r.nextInt(4) == 0) {
                attrs = attrs.isEmpty() ? "axis=-1" : "axis=-1, " + attrs;
            }
            int[] s = a.rank() == 1 ? new int[] {1} : keep ? new int[] {a.rows(), 1} : new int[] {a.rows()};
            node(op, List.of(a.name()), attrs, s, scale, a.positive(), a.split());
        }

        /**
         * {@code a - max(exp(a))} over each row: every row becomes negative (exp(x) > x), which is what a
         * max-reduction over padded tiles gets wrong if the padding takes part.
         */
        void shift() {
            V a = pickMain(v -> v.scale() <= 1.5 && v.rank() == 2);
            if (a == null) {
                return;
            }
            double es = Math.exp(2 * a.scale());
            V e = node("exp", List.of(a.name()), "", a.shape(), es, true, a.split());
            V mx = node("reduce_max", List.of(e.name()), "", new int[] {a.rows(), 1}, es, true, a.split());
            V w = node("sub", List.of(a.name(), mx.name()), "", a.shape(), es + a.scale(), false, a.split());
            if (r.nextBoolean()) {
                String op = new String[] {"reduce_max", "reduce_sum", "reduce_mean"}[r.nextInt(3)];
                node(op, List.of(w.name()), "", new int[] {a.rows(), 1}, w.scale() * (op.equals("reduce_sum") ? a.cols() : 1), false,
                        a.split());
            }
        }

        /** Row mode: ops that mix rows are rare probes (the partitioner must refuse them, or get them right). */
        boolean probe() {
            return !rowMode || r.nextInt(16) == 0;
        }

        void transpose() {
            if (!probe()) {
                return;
            }
            V a = pickMain(v -> v.rank() == 2);
            if (a == null) {
                return;
            }
            node("transpose", List.of(a.name()), r.nextBoolean() ? "perm=[1, 0]" : "", new int[] {a.shape()[1], a.shape()[0]},
                    a.scale(), a.positive(), false);
            rowMixed();
        }

        /** An interesting cut in [lo, hi]: near a tile boundary or random. */
        int cut(int lo, int hi) {
            if (r.nextBoolean()) {
                int[] near = {255, 256, 257, 1, 2};
                int c = near[r.nextInt(near.length)];
                if (c >= lo && c <= hi) {
                    return c;
                }
            }
            return lo + r.nextInt(hi - lo + 1);
        }

        void slice() {
            V a = pickMain(v -> v.rank() == 1 ? v.cols() > 1 : v.rows() > 1 || v.cols() > 1);
            if (a == null) {
                return;
            }
            int axis;
            if (a.rank() == 1) {
                axis = 0;
            } else if (rowMode && !probe() || a.rows() == 1) {
                axis = 1;
            } else if (a.cols() == 1) {
                axis = 0;
            } else {
                axis = r.nextInt(2);
            }
            int d = a.shape()[axis];
            if (d < 2) {
                return;
            }
            int start = cut(0, d - 1);
            int end = cut(start + 1, d);
            if (start == 0 && end == d) {
                end = d - 1;
            }
            List<String> attrs = new ArrayList<>();
            boolean last = axis == a.rank() - 1;
            if (!last || r.nextBoolean()) {
                attrs.add("axis=" + (last && r.nextBoolean() ? -1 : axis));
            }
            if (start != 0 || r.nextBoolean()) {
                attrs.add("start=" + start);
            }
            if (end != d || r.nextBoolean()) {
                attrs.add("end=" + end);
            }
            int[] s = a.shape().clone();
            s[axis] = end - start;
            node("slice", List.of(a.name()), String.join(", ", attrs), s, a.scale(), a.positive(), a.split() && axis == a.rank() - 1);
            if (rowMode && axis == 0) {
                rowMixed();
            }
        }

        void concat() {
            V a = pickMain(v -> true);
            if (a == null) {
                return;
            }
            int axis = a.rank() == 1 || rowMode && !probe() ? a.rank() - 1 : r.nextInt(2);
            int parts = 2 + (r.nextInt(3) == 0 ? 1 : 0);
            List<String> args = new ArrayList<>(List.of(a.name()));
            int[] s = a.shape().clone();
            double scale = a.scale();
            boolean positive = a.positive();
            for (int p = 1; p < parts; p++) {
                V b;
                if (r.nextInt(4) == 0) {
                    b = a;
                } else {
                    int[] bs = a.shape().clone();
                    bs[axis] = dim();
                    b = operand(bs, MAX_SCALE);
                    if (b == null) {
                        final int ax = axis;
                        List<V> c = pool.stream().filter(v -> v.rank() == a.rank() && v.split() == a.split()
                                && (v.rank() == 1 || v.shape()[1 - ax] == a.shape()[1 - ax])).toList();
                        b = c.isEmpty() ? a : c.get(r.nextInt(c.size()));
                    }
                }
                args.add(b.name());
                s[axis] += b.shape()[axis];
                scale = Math.max(scale, b.scale());
                positive &= b.positive();
            }
            String attrs = axis == a.rank() - 1 && r.nextBoolean() ? (r.nextBoolean() ? "axis=-1" : "") : "axis=" + axis;
            node("concat", args, attrs, s, scale, positive, a.split() && axis == a.rank() - 1);
            if (rowMode && axis == 0 && a.rank() == 2) {
                rowMixed();
            }
        }

        void reshape() {
            if (!probe()) {
                return;
            }
            V a = pickMain(v -> true);
            if (a == null) {
                return;
            }
            long total = a.elements();
            List<int[]> options = new ArrayList<>();
            if (a.rank() == 2) {
                options.add(new int[] {(int) total});
            }
            for (int d = 1; d <= total && d <= 100_000; d++) {
                if (total % d == 0) {
                    options.add(new int[] {(int) (total / d), d});
                }
            }
            options.removeIf(s -> Arrays.equals(s, a.shape()) || pieces(a, s) > 1500);
            if (options.isEmpty()) {
                return;
            }
            int[] s = options.get(r.nextInt(options.size()));
            node("reshape", List.of(a.name()), "shape=" + shapeText(s), s, a.scale(), a.positive(), false);
            rowMixed();
        }

        /** How many block copies the lowering of this reshape makes (each output row from the input runs it spans). */
        static long pieces(V a, int[] out) {
            int inCols = a.cols();
            int outCols = out[out.length - 1];
            int outRows = out.length == 1 ? 1 : out[0];
            if (inCols == outCols) {
                return 1;
            }
            long n = 0;
            for (int row = 0; row < outRows && n <= 1500; row++) {
                long flat = (long) row * outCols;
                int done = 0;
                while (done < outCols) {
                    int ic = (int) ((flat + done) % inCols);
                    done += Math.min(Math.min(outCols - done, inCols - ic), 256);
                    n++;
                }
            }
            return n;
        }
    }
}

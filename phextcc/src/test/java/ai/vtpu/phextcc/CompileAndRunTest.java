package ai.vtpu.phextcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.vtpu.isa.verify.Validator;
import ai.vtpu.phextcc.eval.Evaluator;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import ai.vtpu.phextcc.ir.TensorType;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Compiled programs compute what the reference evaluator computes, at every tier. */
class CompileAndRunTest {

    static Map<String, float[]> randomInputs(Graph g, long seed) {
        Random r = new Random(seed);
        Map<String, float[]> in = new HashMap<>();
        for (var e : g.inputs().entrySet()) {
            float[] v = new float[(int) e.getValue().elements()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.5);
            }
            in.put(e.getKey(), v);
        }
        return in;
    }

    static void compareAtTier(Graph g, int opt, double tol) {
        compareAtTier(g, opt, tol, 1);
    }

    static void compareAtTier(Graph g, int opt, double tol, int sentrons) {
        compareAtTier(g, opt, tol, sentrons, ai.vtpu.phextcc.codegen.CodeGen.Options.LOOP_STEPS);
    }

    static void compareAtTier(Graph g, int opt, double tol, int sentrons, int loopSteps) {
        Compiler.Result res = Compiler.compile(g, opt, sentrons, 1, loopSteps);
        assertEquals(List.of(), Validator.validate(res.program()), "compiled program is valid");
        Map<String, float[]> in = randomInputs(g, 11);
        Map<String, float[]> expected = Evaluator.run(g, in);
        Map<String, HostTensor> host = new HashMap<>();
        in.forEach((k, v) -> host.put(k, new HostTensor(g.inputs().get(k).shape(), v)));
        Map<String, HostTensor> out = Machine.run(res.program(), host, new Machine.Options(sentrons, false, 10_000, false)).outputs();
        for (var e : expected.entrySet()) {
            float[] want = e.getValue();
            float[] got = out.get(e.getKey()).data();
            for (int i = 0; i < want.length; i++) {
                if (Float.isNaN(want[i]) && Float.isNaN(got[i])) {
                    continue;
                }
                if (!(Math.abs(want[i] - got[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
                    fail("-O" + opt + " " + e.getKey() + "[" + i + "] = " + got[i] + ", reference " + want[i]);
                }
            }
        }
    }

    static Graph example(String name) throws IOException {
        Path p = Path.of("..", "examples", name);
        return IrParser.parse(Files.readString(p), p.toString());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void theMlpMatchesTheReferenceAtEveryTier(int opt) throws IOException {
        compareAtTier(example("mlp.ir"), opt, 1e-4);
    }

    @ParameterizedTest
    @CsvSource({"2, 0", "2, 2", "3, 3", "4, 1", "7, 2"})
    void theMlpSplitsItsBatchAcrossSentrons(int sentrons, int opt) throws IOException {
        compareAtTier(example("mlp.ir"), opt, 1e-4, sentrons);
    }

    @ParameterizedTest
    @CsvSource({"2, 2", "2, 0", "4, 3"})
    void theTransformerBlockSplitsItsRowsAndAllGathersKeysAndValues(int sentrons, int opt) throws IOException {
        compareAtTier(example("block.ir"), opt, 2e-4, sentrons);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void theTransformerBlockMatchesTheReferenceAtEveryTier(int opt) throws IOException {
        compareAtTier(example("block.ir"), opt, 2e-4);
    }

    @ParameterizedTest
    @CsvSource({
        "'y = matmul(a, b)', '[37, 300]', '[300, 290]'",
        "'y = matmul(a, b, transpose_a=true)', '[300, 37]', '[300, 290]'",
        "'y = matmul(a, b, transpose_b=true)', '[37, 300]', '[290, 300]'",
        "'y = add(a, b)', '[300, 270]', '[270]'",
        "'y = sub(a, b)', '[1, 270]', '[300, 270]'",
        "'y = mul(a, b)', '[300, 1]', '[1, 270]'",
        "'y = div(a, b)', '[300, 270]', '[300, 270]'",
        "'y = softmax(a)', '[300, 200]', ''",
        "'y = softmax(a)', '[20, 700]', ''",
        "'y = layer_norm(a, b)', '[20, 600]', '[600]'",
        "'y = rms_norm(a, b)', '[270, 513]', '[513]'",
        "'y = rms_norm(a, b)', '[300, 200]', '[200]'",
        "'y = reduce_sum(a)', '[300, 600]', ''",
        "'y = reduce_mean(a, keepdims=false)', '[70, 600]', ''",
        "'y = reduce_max(a)', '[300, 20]', ''",
        "'y = transpose(a)', '[300, 270]', ''",
        "'y = sigmoid(a)', '[5, 7]', ''",
        "'y = tanh(a)', '[5, 700]', ''",
        "'y = exp(a)', '[257, 3]', ''",
        "'y = silu(a)', '[33, 65]', ''",
        "'y = slice(a, axis=1, start=3, end=290)', '[40, 300]', ''",
        "'y = slice(a, axis=0, start=5, end=270)', '[300, 20]', ''",
        "'y = slice(a, start=2, end=7)', '[9]', ''",
        "'y = concat(a, b, axis=0)', '[30, 300]', '[270, 300]'",
        "'y = concat(a, b, axis=1)', '[30, 300]', '[30, 7]'",
        "'y = reshape(a, shape=[600, 45])', '[300, 90]', ''",
        "'y = reshape(a, shape=[70, 300])', '[300, 70]', ''",
        "'y = reshape(a, shape=[12])', '[3, 4]', ''",
        "'y = matmul(a, b)', '[3, 40, 300]', '[3, 300, 20]'",
        "'y = matmul(a, b, transpose_b=true)', '[2, 5, 7]', '[7, 7]'",
        "'y = matmul(a, b)', '[2, 1, 5, 7]', '[3, 7, 4]'",
        "'y = add(a, b)', '[3, 4, 5]', '[5]'",
        "'y = mul(a, b)', '[3, 4, 5]', '[3, 1, 5]'",
        "'y = sub(a, b)', '[4, 5]', '[2, 3, 4, 5]'",
        "'y = softmax(a)', '[2, 3, 300]', ''",
        "'y = layer_norm(a, b)', '[2, 3, 20]', '[20]'",
        "'y = reduce_sum(a, keepdims=false)', '[2, 3, 5]', ''",
        "'y = reduce_max(a)', '[4, 3, 5]', ''",
        "'y = transpose(a, perm=[0, 2, 1])', '[3, 40, 300]', ''",
        "'y = transpose(a, perm=[1, 0, 2, 3])', '[2, 3, 4, 5]', ''",
        "'y = transpose(a, perm=[1, 0, 3, 2])', '[2, 3, 4, 5]', ''",
        "'y = reshape(a, shape=[5, 12])', '[3, 4, 5]', ''",
        "'y = reshape(a, shape=[2, 3, 10])', '[6, 10]', ''",
        "'y = concat(a, b, axis=0)', '[2, 3, 4]', '[1, 3, 4]'",
        "'y = concat(a, b, axis=2)', '[2, 3, 4]', '[2, 3, 5]'",
        "'y = slice(a, axis=0, start=1, end=3)', '[4, 3, 5]', ''",
        "'y = slice(a, axis=1, start=1, end=3)', '[4, 3, 5]', ''",
        "'y = gelu(a)', '[2, 2, 3, 5]', ''",
        "'y = erf(a)', '[3, 4, 300]', ''",
        "'y = neg(a)', '[30, 300]', ''",
        "'y = reduce_min(a)', '[300, 600]', ''",
        "'y = reduce_min(a, keepdims=false)', '[2, 3, 5]', ''",
        "'y = abs(a)', '[2, 30, 40]', ''",
        "'y = log(a)', '[30, 300]', ''",
        "'y = max(a, b)', '[30, 270]', '[270]'",
        "'y = min(a, b)', '[2, 1, 5]', '[4, 5]'",
        "'y = pow(a, b)', '[30, 270]', '[270]'",
        "'y = pow(a, b)', '[1, 5]', '[4, 3, 5]'",
        "'y = transpose(a, perm=[1, 0, 2])', '[3, 40, 300]', ''",
        "'y = transpose(a, perm=[2, 0, 1])', '[3, 40, 300]', ''",
        "'y = transpose(a, perm=[1, 2, 0])', '[5, 6, 7]', ''",
        "'y = transpose(a)', '[2, 3, 4, 5]', ''",
        "'y = transpose(a, perm=[0, 2, 3, 1])', '[2, 3, 4, 5]', ''",
    })
    void singleOpsMatchTheReferenceOnRaggedShapes(String stmt, String sa, String sb) {
        StringBuilder src = new StringBuilder("graph t\ninput a: f32" + sa + "\n");
        if (!sb.isEmpty()) {
            src.append("input b: f32").append(sb).append('\n');
        }
        src.append(stmt).append("\noutput y\n");
        Graph g = IrParser.parse(src.toString(), "t.ir");
        for (int opt : new int[] {0, 2, 3}) {
            compareAtTier(g, opt, 2e-4);
        }
    }

    /** A batch of sequences split by whole sequences (split=pages): attention per sequence needs no collective. */
    @ParameterizedTest
    @CsvSource({"2, 0", "2, 3", "3, 2", "4, 3"})
    void aBatchOfSequencesSplitsBySequences(int sentrons, int opt) {
        Graph g = IrParser.parse("""
                graph enc
                input x: f32[5, 16, 32] split=rows
                input wq: f32[32, 32]
                input wk: f32[32, 32]
                input wv: f32[32, 32]
                input gamma: f32[32]
                q = matmul(x, wq)
                k = matmul(x, wk)
                v = matmul(x, wv)
                s = matmul(q, k, transpose_b=true)
                p = softmax(s)
                a = matmul(p, v)
                r = add(a, x)
                n = layer_norm(r, gamma)
                t = transpose(n, perm=[0, 2, 1])
                m = reduce_mean(t, keepdims=false)
                output n, m
                """, "enc.ir");
        compareAtTier(g, opt, 2e-4, sentrons);
    }

    /**
     * -O3 lowers a chain of page-wise nodes page by page (the report counts it) with the reference's results;
     * a node with other leading dims ends the chain, and -O2 lowers node by node.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void chainsOfPageWiseNodesAreLoweredPageByPage(int sentrons) {
        Graph g = IrParser.parse("""
                graph chain
                input x: f32[4, 16, 32] split=rows
                input one: f32[1, 16, 32]
                input g: f32[32]
                input w: f32[32, 48]
                input v: f32[48, 32]
                n = rms_norm(x, g)
                a = matmul(n, w)
                s = sigmoid(a)
                d = matmul(s, v)
                y = mul(x, d)
                b = matmul(one, v, transpose_b=true)
                c = softmax(b)
                output y, c
                """, "chain.ir");
        compareAtTier(g, 3, 2e-4, sentrons);
        // n, a and d make one chain (s is a's activation, y d's epilogue); b and c, with leading dims [1], another.
        // n and a are read only inside the first chain: one page each. b has one page anyway.
        assertTrue(Compiler.compile(g, 3, sentrons).report().contains(
                String.format("%-22s chains %d, nodes %d, values kept to one page %d", "page-major", 2, 5, 2)),
                Compiler.compile(g, 3, sentrons).report().toString());
        assertTrue(Compiler.compile(g, 2, sentrons).report().stream().noneMatch(l -> l.startsWith("page-major")));
        // Matmuls whose inner steps are counted loops read the one-page values as well.
        compareAtTier(g, 3, 2e-4, sentrons, 1);
    }

    /** The number after {@code label} in the compiler report's "keep in registers" line, or -1 without one. */
    static int keptCount(List<String> report, String label) {
        for (String line : report) {
            if (line.startsWith("keep in registers")) {
                String rest = line.substring(line.indexOf(label) + label.length()).trim();
                return Integer.parseInt(rest.split("[ ,]")[0]);
            }
        }
        return -1;
    }

    /**
     * -O3 keeps an attention block's values in registers: no GATHER of what the block scattered, no SCATTER to
     * a value only the block reads, and the results still equal the reference on 1 and 2 sentrons.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void attentionValuesStayInRegisters(int sentrons) {
        Graph g = IrParser.parse("""
                graph att
                input x: f32[4, 16, 32]
                input wq: f32[32, 32]
                input wk: f32[32, 32]
                input wv: f32[32, 32]
                q = matmul(x, wq)
                k = matmul(x, wk)
                v = matmul(x, wv)
                s = matmul(q, k, transpose_b=true)
                p = softmax(s)
                a = matmul(p, v)
                r = add(a, x)
                y = layer_norm(r)
                output y
                """, "att.ir");
        compareAtTier(g, 3, 2e-4, sentrons);
        Compiler.Result res = Compiler.compile(g, 3, sentrons);
        // Six values of one page each (a is fused into r): at least six gathers and scatters per page go.
        assertTrue(keptCount(res.report(), "gathers forwarded") >= 6 * 4 / sentrons, res.report().toString());
        assertTrue(keptCount(res.report(), "scatters dropped") >= 6 * 4 / sentrons, res.report().toString());
        for (String value : List.of("q", "k", "v", "s", "p", "r")) {
            assertFalse(res.assembly().contains(", " + value + "@"), value + " still goes through memory:\n" + res.assembly());
        }
        assertEquals(-1, keptCount(Compiler.compile(g, 2, sentrons).report(), "gathers forwarded"));
    }

    /**
     * Eighteen values live at once do not fit the sixteen tile registers: some go through memory as lowered,
     * and the results still equal the reference.
     */
    @Test
    void valuesBeyondSixteenRegistersGoThroughMemory() {
        StringBuilder ir = new StringBuilder("graph wide\ninput x: f32[2, 8, 16]\n");
        String[] ops = {"relu", "exp", "sigmoid", "tanh", "neg", "abs"};
        for (int i = 0; i < 18; i++) {
            ir.append("a").append(i).append(" = ").append(ops[i % ops.length]).append(i < ops.length ? "(x)" : "(a" + (i - ops.length) + ")")
                    .append('\n');
        }
        ir.append("s1 = add(a0, a1)\n");
        for (int i = 2; i < 18; i++) {
            ir.append("s").append(i).append(" = add(s").append(i - 1).append(", a").append(i).append(")\n");
        }
        ir.append("output s17\n");
        Graph g = IrParser.parse(ir.toString(), "wide.ir");
        compareAtTier(g, 3, 2e-4);
        Compiler.Result res = Compiler.compile(g, 3, 1);
        int forwarded = keptCount(res.report(), "gathers forwarded");
        assertTrue(forwarded > 0, res.report().toString());
        // Each of the 2 pages reads 46 values the chain made (a6..a17 read an a, s1 two, s2..s17 an s and an a):
        // not all of them can stay.
        assertTrue(forwarded < 2 * 46, res.report().toString());
        assertTrue(res.assembly().lines().anyMatch(l -> l.matches(".*CSET P\\d, [as]\\d+@.*")), res.assembly());
    }

    /** A value of a chain that a node after the chain reads keeps every page; the results equal the reference. */
    @Test
    void aChainValueReadAfterTheChainKeepsItsPages() {
        Graph g = IrParser.parse("""
                graph t
                input x: f32[4, 8, 16]
                h = relu(x)
                z = exp(h)
                m = reduce_sum(h)
                output z, m
                """, "t.ir");
        compareAtTier(g, 3, 2e-4);
        List<String> report = Compiler.compile(g, 3).report();
        assertTrue(report.contains(String.format("%-22s chains %d, nodes %d, values kept to one page %d", "page-major", 1, 2, 0)),
                report.toString());
    }

    /** Epilogues written by the fusion pass and by hand: residual, gate, scalar scale, sub, on 1 and 2 sentrons. */
    @ParameterizedTest
    @CsvSource({"1, 1", "1, 3", "2, 3", "3, 2"})
    void matmulEpiloguesMatchTheReference(int sentrons, int opt) {
        Graph g = IrParser.parse("""
                graph epi
                input x: f32[3, 20, 40] split=rows
                input w: f32[40, 40]
                input u: f32[40, 40]
                input b: f32[40]
                input s: f32[1]
                input m: f32[20, 40]
                h = matmul(x, w)
                r = add(x, h)
                gm = matmul(r, u)
                gb = add(gm, b)
                g = silu(gb)
                v = matmul(r, w)
                gv = mul(g, v)
                q = matmul(gv, u, s, epilogue=div)
                d = matmul(q, w, m, epilogue=sub)
                output d
                """, "epi.ir");
        compareAtTier(g, opt, 2e-4, sentrons);
        if (opt > 0) {
            // h into r (add, product second), the bias gb into gm (batched: an epilogue, not a gemm), v into gv
            // (mul, product second); q and d carry theirs from the text. g, the silu of a product with an
            // epilogue, stays a node: the epilogue comes last.
            List<String> report = Compiler.compile(g, opt, sentrons).report();
            assertTrue(report.contains(String.format("%-22s nodes %d -> %d", "fuse-matmul-epilogue", 9, 6)), report.toString());
        }
    }

    /**
     * A batch of one sequence on several sentrons: a graph that works row by row (an RMS norm and a gated MLP,
     * a residual) divides the rows of every page (split=rows), so every sentron has work; in attention, k and
     * v (needed whole by every row) are all-gathered. A graph that mixes rows otherwise (a reduction that drops
     * the last axis) keeps dividing the batch (split=pages).
     */
    @ParameterizedTest
    @CsvSource({"2, 1", "2, 3", "3, 3"})
    void aBatchOfOneDividesItsRowsWhenEveryNodeWorksRowByRow(int sentrons, int opt) {
        Graph rowwise = IrParser.parse("""
                graph dec
                input x: f32[1, 20, 32] split=rows
                input g: f32[32]
                input wg: f32[32, 48]
                input wu: f32[32, 48]
                input wd: f32[48, 32]
                n = rms_norm(x, g)
                a = matmul(n, wg)
                sa = silu(a)
                u = matmul(n, wu)
                h = mul(sa, u)
                d = matmul(h, wd)
                y = add(x, d)
                m = reduce_mean(y, keepdims=true)
                output y, m
                """, "dec.ir");
        compareAtTier(rowwise, opt, 2e-4, sentrons);
        String asm = Compiler.compile(rowwise, opt, sentrons).assembly();
        assertTrue(asm.contains(".tensor x f32[1, 20, 32] @1.1.1/1.1.1/1.1.1 input split=rows"), asm);
        Graph attention = IrParser.parse("""
                graph att
                input x: f32[1, 16, 32] split=rows
                input wk: f32[32, 32]
                k = matmul(x, wk)
                s = matmul(x, k, transpose_b=true)
                p = softmax(s)
                output p
                """, "att.ir");
        compareAtTier(attention, opt, 2e-4, sentrons);
        String att = Compiler.compile(attention, opt, sentrons).assembly();
        assertTrue(att.contains("input split=rows") && att.contains("ALLGATHER"), att);
        // A sequence too long to all-gather in one tile (more than 256 rows) keeps the batch partition too.
        Graph longSequence = IrParser.parse("graph l\ninput x: f32[1, 300, 16] split=rows\ns = matmul(x, x, transpose_b=true)\n"
                + "output s\n", "l.ir");
        compareAtTier(longSequence, opt, 2e-4, sentrons);
        assertTrue(Compiler.compile(longSequence, opt, sentrons).assembly().contains("input split=pages"));
        Graph mixing = IrParser.parse("graph m\ninput x: f32[1, 16, 32] split=rows\nr = reduce_mean(x, keepdims=false)\n"
                + "output r\n", "m.ir");
        compareAtTier(mixing, opt, 2e-4, sentrons);
        assertTrue(Compiler.compile(mixing, opt, sentrons).assembly().contains("input split=pages"));
        // One split input with a batch of one broadcast over another's batch: divided by the batch it would not
        // line up (refused); divided by rows it does.
        Graph broadcast = IrParser.parse("graph b\ninput x: f32[4, 8, 8] split=rows\ninput y: f32[1, 8, 8] split=rows\n"
                + "z = add(x, y)\nw = matmul(x, y)\noutput z, w\n", "b.ir");
        compareAtTier(broadcast, opt, 2e-4, sentrons);
    }

    /** Split values whose first axis is not the result's (broadcast into or along it) are refused, not miscomputed. */
    @ParameterizedTest
    @ValueSource(strings = {
        "input x: f32[4, 8, 8] split=rows\ninput y: f32[4, 8, 8]\nz = add(x, y)",
        "input x: f32[4, 4, 4] split=rows\nm = reduce_mean(x, keepdims=false)\nz = add(x, m)",
        "input x: f32[4, 8] split=rows\ninput y: f32[1, 4, 8]\nz = add(y, x)",
        "input a: f32[8, 8] split=rows\ninput b: f32[1, 8, 8]\nz = matmul(a, b)",
        "input q: f32[2, 2, 4, 8] split=rows\ninput k: f32[2, 8, 4] split=rows\nz = matmul(q, k)",
        "input a: f32[8, 8]\ninput b: f32[4, 8, 8] split=rows\nz = matmul(a, b)",
        // Fused into the matmul's epilogue, a replicated residual that spans the split rows is refused as before.
        "input a: f32[8, 8] split=rows\ninput w: f32[8, 8]\ninput r: f32[8, 8]\nh = matmul(a, w)\nz = add(h, r)",
        "input a: f32[8, 8] split=rows\ninput w: f32[8, 8]\ninput r: f32[8, 8]\nz = matmul(a, w, r, epilogue=mul)",
    })
    void operandsNotSplitAlongTheResultsFirstAxisAreRefused(String body) {
        Graph g = IrParser.parse("graph t\n" + body + "\noutput z\n", "t.ir");
        var e = org.junit.jupiter.api.Assertions.assertThrows(CompileException.class, () -> Compiler.compile(g, 1, 2));
        assertTrue(e.getMessage().contains("sentrons") || e.getMessage().contains("all-gathered"), e.getMessage());
    }

    /** Batches that do not divide evenly, fewer batches than sentrons, rank 4: equal to the reference. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "input x: f32[2, 4, 8] split=rows; m = reduce_mean(x, keepdims=false); output m | 4",
        "input x: f32[5, 4, 8] split=rows; input w: f32[8, 8]; y = matmul(x, w); m = reduce_sum(y, keepdims=false); r = reshape(y, shape=[5, 32]); output y, m, r | 2",
        "input x: f32[5, 4, 8] split=rows; m = reduce_mean(x, keepdims=false); r = reshape(x, shape=[5, 32]); output m, r | 4",
        "input q: f32[3, 2, 4, 8] split=rows; input k: f32[3, 2, 4, 8] split=rows; s = matmul(q, k, transpose_b=true); p = softmax(s); t = transpose(q, perm=[0, 2, 1, 3]); u = transpose(q, perm=[0, 3, 2, 1]); output p, t, u | 2",
    })
    void unevenAndRank4BatchesMatchTheReference(String body, int sentrons) {
        Graph g = IrParser.parse("graph t\n" + body.replace("; ", "\n") + "\n", "t.ir");
        for (int opt : new int[] {1, 3}) {
            compareAtTier(g, opt, 2e-4, sentrons);
        }
    }

    @Test
    void whereSelectsByTheConditionWithBroadcasting() {
        Graph g = IrParser.parse("graph t\ninput c: f32[1, 300]\ninput a: f32[30, 300]\ninput b: f32[30, 1]\n"
                + "m = relu(c)\ny = where(m, a, b)\noutput y\n", "t.ir");
        // relu leaves about half the condition at zero, so both branches are taken.
        for (int opt : new int[] {0, 3}) {
            compareAtTier(g, opt, 0);
        }
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "2, 1", "3, 2"})
    void longInnerLoopsBecomeCountedLoopsWithTheSameResults(int opt, int sentrons) throws IOException {
        // A loop threshold of 1 step turns every matmul with two or more inner steps into a loop.
        compareAtTier(example("mlp.ir"), opt, 1e-4, sentrons, 1);
        Graph g = IrParser.parse("graph t\ninput a: f32[300, 700]\ninput b: f32[700, 40]\ninput c: f32[40]\n"
                + "y = gemm(a, b, c, activation=relu)\nz = matmul(b, a, transpose_a=true, transpose_b=true)\noutput y, z\n", "t.ir");
        compareAtTier(g, opt, 2e-4, 1, 1);
        String asm = Compiler.compile(g, opt, 1, 1, 1).assembly();
        org.junit.jupiter.api.Assertions.assertTrue(asm.contains("C: LOOP R14"), "the matmuls were looped");
    }

    @org.junit.jupiter.api.Test
    void allReduceSumsEverySentronsValues() {
        // Each sentron holds the same replicated input; all_reduce(sum) over N sentrons gives N times it.
        Graph g = IrParser.parse("graph r\ninput a: f32[3, 300]\ny = all_reduce(a, op=sum)\nz = all_reduce(a, op=mean)\noutput y, z\n", "r.ir");
        Compiler.Result res = Compiler.compile(g, 2, 3);
        Map<String, float[]> in = randomInputs(g, 5);
        Map<String, HostTensor> out = Machine.run(res.program(), Map.of("a", new HostTensor(List.of(3, 300), in.get("a"))),
                new Machine.Options(3, false, 10_000, false)).outputs();
        for (int i = 0; i < 900; i++) {
            assertEquals(3 * in.get("a")[i], out.get("y").data()[i], 1e-5);
            assertEquals(in.get("a")[i], out.get("z").data()[i], 1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void tiersOnlyReduceTheSiwCount(int opt) throws IOException {
        Graph g = example("mlp.ir");
        int o0 = Compiler.compile(g, 0).program().code().size();
        int here = Compiler.compile(g, opt).program().code().size();
        assertTrue(here <= o0, "-O" + opt + " has " + here + " SIWs, -O0 " + o0);
        if (opt >= 1) {
            assertTrue(here < o0, "packing reduces the SIW count: " + here + " vs " + o0);
        }
    }

    static TensorType t(int... dims) {
        return new TensorType(ai.vtpu.isa.siw.DType.F32, java.util.Arrays.stream(dims).boxed().toList());
    }
}

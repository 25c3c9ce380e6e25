package ai.vtpu.phextcc.eval;

import ai.vtpu.isa.siw.Erf;
import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.OpKind;
import ai.vtpu.phextcc.ir.TensorType;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference semantics of the IR: plain loops in double precision, no Vector API. Every compiled
 * program is tested against it. Tensors are row-major {@code float[]}; up to rank 2 except reshape.
 */
public final class Evaluator {
    private Evaluator() {
    }

    /** Runs the graph on the given inputs; returns every output by name. */
    public static Map<String, float[]> run(Graph g, Map<String, float[]> inputs) {
        Map<String, float[]> env = new HashMap<>();
        for (var e : g.inputs().entrySet()) {
            float[] v = inputs.get(e.getKey());
            if (v == null || v.length != e.getValue().elements()) {
                throw new CompileException("input " + e.getKey() + ": expected " + e.getValue().elements() + " values of "
                        + e.getValue() + (v == null ? ", none given" : ", got " + v.length));
            }
            env.put(e.getKey(), v);
        }
        for (Node n : g.nodes()) {
            env.put(n.name(), eval(g, n, env));
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String o : g.outputs()) {
            out.put(o, env.get(o));
        }
        return out;
    }

    /** Element (i, j) of a value broadcast to rows x cols (rank 1 is a row vector). */
    private static double at(float[] v, TensorType t, int i, int j) {
        int r = t.rank() == 1 ? 1 : t.rows();
        int c = t.cols();
        return v[(r == 1 ? 0 : i) * c + (c == 1 ? 0 : j)];
    }

    /** The index in an operand of shape {@code s} of output element {@code f} of shape {@code out} (NumPy broadcasting). */
    public static int bidx(List<Integer> out, List<Integer> s, long f) {
        int idx = 0;
        int stride = 1;
        int off = out.size() - s.size();
        for (int a = out.size() - 1; a >= 0; a--) {
            int coord = (int) (f % out.get(a));
            f /= out.get(a);
            int oa = a - off;
            if (oa >= 0) {
                if (s.get(oa) != 1) {
                    idx += coord * stride;
                }
                stride *= s.get(oa);
            }
        }
        return idx;
    }

    /** The elementwise binary ops, also a matmul's epilogue. */
    private static double binary(OpKind op, double a, double c) {
        return switch (op) {
            case ADD -> a + c;
            case SUB -> a - c;
            case MUL -> a * c;
            case POW -> Math.pow((float) a, (float) c);
            case MAX -> Math.max(a, c);
            case MIN -> Math.min(a, c);
            default -> a / c;
        };
    }

    /** The activations a matmul may carry after fusion; the same formulas as the unary nodes. */
    private static double activation(String name, double v) {
        if (name == null) {
            return v;
        }
        return switch (name) {
            case "relu" -> v > 0 ? v : 0;
            case "gelu" -> 0.5 * v * (1 + Erf.erf(v / Math.sqrt(2)));
            case "silu" -> v / (1 + Math.exp(-v));
            case "sigmoid" -> 1 / (1 + Math.exp(-v));
            default -> Math.tanh(v);
        };
    }

    private static float[] eval(Graph g, Node n, Map<String, float[]> env) {
        List<String> ins = n.inputs();
        float[] x = env.get(ins.get(0));
        TensorType tx = g.type(ins.get(0));
        TensorType out = n.type();
        int cols = out.cols();
        int rows = (int) (out.elements() / cols); // every leading dim flattened: row-wise ops act on the last axis
        float[] y = new float[(int) out.elements()];
        switch (n.op()) {
            case MATMUL, GEMM -> {
                float[] b = env.get(ins.get(1));
                TensorType tb = g.type(ins.get(1));
                boolean ta = n.flag("transpose_a");
                boolean tbT = n.flag("transpose_b");
                int m = out.dim(-2);
                int nn = out.dim(-1);
                int k = ta ? tx.dim(-2) : tx.dim(-1);
                int aStride = tx.dim(-2) * tx.dim(-1);
                int bStride = tb.dim(-2) * tb.dim(-1);
                List<Integer> batch = out.shape().subList(0, out.rank() - 2);
                List<Integer> aBatch = tx.shape().subList(0, tx.rank() - 2);
                List<Integer> bBatch = tb.shape().subList(0, tb.rank() - 2);
                int batches = (int) (out.elements() / ((long) m * nn));
                String epiLabel = (String) n.attrs().get("epilogue");
                OpKind epi = epiLabel == null ? null : OpKind.ofLabel(epiLabel);
                float[] ev = epi == null ? null : env.get(ins.get(ins.size() - 1));
                TensorType et = epi == null ? null : g.type(ins.get(ins.size() - 1));
                for (int p = 0; p < batches; p++) {
                    int ao = bidx(batch, aBatch, p) * aStride;
                    int bo = bidx(batch, bBatch, p) * bStride;
                    for (int i = 0; i < m; i++) {
                        for (int j = 0; j < nn; j++) {
                            double acc = 0;
                            for (int q = 0; q < k; q++) {
                                double av = ta ? x[ao + q * tx.dim(-1) + i] : x[ao + i * tx.dim(-1) + q];
                                double bv = tbT ? b[bo + j * tb.dim(-1) + q] : b[bo + q * tb.dim(-1) + j];
                                acc += av * bv;
                            }
                            if (n.op() == OpKind.GEMM) {
                                acc += at(env.get(ins.get(2)), g.type(ins.get(2)), i, j);
                            }
                            int f = p * m * nn + i * nn + j;
                            y[f] = (float) activation((String) n.attrs().get("activation"), (float) acc);
                            if (epi != null) {
                                y[f] = (float) binary(epi, y[f], ev[bidx(out.shape(), et.shape(), f)]);
                            }
                        }
                    }
                }
            }
            case ADD, SUB, MUL, DIV, POW, MAX, MIN -> {
                float[] b = env.get(ins.get(1));
                TensorType tb = g.type(ins.get(1));
                for (int f = 0; f < y.length; f++) {
                    y[f] = (float) binary(n.op(), x[bidx(out.shape(), tx.shape(), f)], b[bidx(out.shape(), tb.shape(), f)]);
                }
            }
            case WHERE -> {
                float[] b = env.get(ins.get(1));
                float[] c = env.get(ins.get(2));
                TensorType tb = g.type(ins.get(1));
                TensorType tc = g.type(ins.get(2));
                for (int f = 0; f < y.length; f++) {
                    y[f] = x[bidx(out.shape(), tx.shape(), f)] != 0 ? b[bidx(out.shape(), tb.shape(), f)]
                            : c[bidx(out.shape(), tc.shape(), f)];
                }
            }
            case RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG -> {
                for (int i = 0; i < y.length; i++) {
                    double v = x[i];
                    y[i] = (float) switch (n.op()) {
                        case EXP -> Math.exp(v);
                        case SQRT -> Math.sqrt(v);
                        case ERF -> Erf.erf(v);
                        case NEG -> -v;
                        case ABS -> Math.abs(v);
                        case LOG -> Math.log(v);
                        default -> activation(n.op().label(), v);
                    };
                }
            }
            case SOFTMAX, LAYER_NORM, RMS_NORM -> {
                double eps = n.number("epsilon", n.op() == OpKind.LAYER_NORM ? 1e-5 : 1e-6);
                float[] scale = ins.size() > 1 ? env.get(ins.get(1)) : null;
                float[] bias = ins.size() > 2 ? env.get(ins.get(2)) : null;
                for (int i = 0; i < rows; i++) {
                    int o = i * cols;
                    switch (n.op()) {
                        case SOFTMAX -> {
                            double max = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j < cols; j++) {
                                max = Math.max(max, x[o + j]);
                            }
                            double sum = 0;
                            for (int j = 0; j < cols; j++) {
                                sum += Math.exp(x[o + j] - max);
                            }
                            for (int j = 0; j < cols; j++) {
                                y[o + j] = (float) (Math.exp(x[o + j] - max) / sum);
                            }
                        }
                        case LAYER_NORM -> {
                            double mean = 0;
                            for (int j = 0; j < cols; j++) {
                                mean += x[o + j];
                            }
                            mean /= cols;
                            double var = 0;
                            for (int j = 0; j < cols; j++) {
                                var += (x[o + j] - mean) * (x[o + j] - mean);
                            }
                            var /= cols;
                            for (int j = 0; j < cols; j++) {
                                double v = (x[o + j] - mean) / Math.sqrt(var + eps);
                                y[o + j] = (float) (v * (scale == null ? 1 : scale[j]) + (bias == null ? 0 : bias[j]));
                            }
                        }
                        default -> {
                            double ms = 0;
                            for (int j = 0; j < cols; j++) {
                                ms += (double) x[o + j] * x[o + j];
                            }
                            double inv = 1 / Math.sqrt(ms / cols + eps);
                            for (int j = 0; j < cols; j++) {
                                y[o + j] = (float) (x[o + j] * inv * (scale == null ? 1 : scale[j]));
                            }
                        }
                    }
                }
            }
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN -> {
                int c = tx.cols();
                int r = (int) (tx.elements() / c);
                for (int i = 0; i < r; i++) {
                    double acc = switch (n.op()) {
                        case REDUCE_MAX -> Double.NEGATIVE_INFINITY;
                        case REDUCE_MIN -> Double.POSITIVE_INFINITY;
                        default -> 0;
                    };
                    for (int j = 0; j < c; j++) {
                        double v = x[i * c + j];
                        acc = switch (n.op()) {
                            case REDUCE_MAX -> Math.max(acc, v);
                            case REDUCE_MIN -> Math.min(acc, v);
                            default -> acc + v;
                        };
                    }
                    y[i] = (float) (n.op() == OpKind.REDUCE_MEAN ? acc / c : acc);
                }
            }
            case TRANSPOSE -> {
                List<Integer> perm = n.ints("perm");
                int rank = tx.rank();
                if (perm == null) {
                    perm = new java.util.ArrayList<>();
                    for (int i = rank - 1; i >= 0; i--) {
                        perm.add(i);
                    }
                }
                int[] inStride = new int[rank];
                for (int a = rank - 1, st = 1; a >= 0; a--) {
                    inStride[a] = st;
                    st *= tx.dim(a);
                }
                for (int f = 0; f < y.length; f++) {
                    long rest = f;
                    int idx = 0;
                    for (int a = rank - 1; a >= 0; a--) {
                        int coord = (int) (rest % out.dim(a));
                        rest /= out.dim(a);
                        idx += coord * inStride[perm.get(a)];
                    }
                    y[f] = x[idx];
                }
            }
            case RESHAPE -> System.arraycopy(x, 0, y, 0, y.length);
            case CONCAT, SLICE -> {
                int axis = (int) n.number("axis", out.rank() - 1);
                if (axis < 0) {
                    axis += out.rank();
                }
                int outer = 1;
                for (int a = 0; a < axis; a++) {
                    outer *= out.dim(a);
                }
                int inner = 1;
                for (int a = axis + 1; a < out.rank(); a++) {
                    inner *= out.dim(a);
                }
                int outLen = out.dim(axis) * inner;
                if (n.op() == OpKind.SLICE) {
                    int start = (int) n.number("start", 0);
                    int inLen = tx.dim(axis) * inner;
                    for (int o = 0; o < outer; o++) {
                        System.arraycopy(x, o * inLen + start * inner, y, o * outLen, outLen);
                    }
                } else {
                    int at = 0;
                    for (String in : ins) {
                        int len = g.type(in).dim(axis) * inner;
                        float[] v = env.get(in);
                        for (int o = 0; o < outer; o++) {
                            System.arraycopy(v, o * len, y, o * outLen + at, len);
                        }
                        at += len;
                    }
                }
            }
            case ALL_REDUCE, ALL_GATHER -> System.arraycopy(x, 0, y, 0, y.length); // one member: identity
        }
        return y;
    }
}

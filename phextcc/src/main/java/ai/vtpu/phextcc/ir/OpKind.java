package ai.vtpu.phextcc.ir;

import ai.vtpu.isa.siw.DType;
import ai.vtpu.phextcc.CompileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Every IR operation, once: its name in the text form, how many inputs it takes, which attributes, and
 * its shape inference (docs/IR.md lists the semantics).
 */
public enum OpKind {
    MATMUL(2, 2, Set.of("transpose_a", "transpose_b", "activation", "epilogue")),
    GEMM(3, 3, Set.of("transpose_a", "transpose_b", "activation", "epilogue")),
    ADD(2, 2, Set.of()),
    SUB(2, 2, Set.of()),
    MUL(2, 2, Set.of()),
    DIV(2, 2, Set.of()),
    POW(2, 2, Set.of()),
    MAX(2, 2, Set.of()),
    MIN(2, 2, Set.of()),
    WHERE(3, 3, Set.of()),
    RELU(1, 1, Set.of()),
    GELU(1, 1, Set.of()),
    SILU(1, 1, Set.of()),
    SIGMOID(1, 1, Set.of()),
    TANH(1, 1, Set.of()),
    EXP(1, 1, Set.of()),
    SQRT(1, 1, Set.of()),
    ERF(1, 1, Set.of()),
    NEG(1, 1, Set.of()),
    ABS(1, 1, Set.of()),
    LOG(1, 1, Set.of()),
    SOFTMAX(1, 1, Set.of("axis")),
    LAYER_NORM(1, 3, Set.of("axis", "epsilon")),
    RMS_NORM(1, 2, Set.of("axis", "epsilon")),
    REDUCE_SUM(1, 1, Set.of("axis", "keepdims")),
    REDUCE_MEAN(1, 1, Set.of("axis", "keepdims")),
    REDUCE_MAX(1, 1, Set.of("axis", "keepdims")),
    REDUCE_MIN(1, 1, Set.of("axis", "keepdims")),
    TRANSPOSE(1, 1, Set.of("perm")),
    RESHAPE(1, 1, Set.of("shape")),
    CONCAT(2, 64, Set.of("axis")),
    SLICE(1, 1, Set.of("axis", "start", "end")),
    ALL_REDUCE(1, 1, Set.of("op")),
    ALL_GATHER(1, 1, Set.of("axis"));

    /** The elementwise ops a matmul may apply to its result and one more operand after fusion ({@code epilogue}). */
    public static final Set<String> EPILOGUES = Set.of("add", "sub", "mul", "div");

    private final int minInputs;
    private final int maxInputs;
    private final Set<String> attrs;

    OpKind(int minInputs, int maxInputs, Set<String> attrs) {
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.attrs = attrs;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OpKind ofLabel(String s) {
        for (OpKind k : values()) {
            if (k.label().equals(s)) {
                return k;
            }
        }
        return null;
    }

    public Set<String> attributes() {
        return attrs;
    }

    public boolean isElementwiseUnary() {
        return switch (this) {
            case RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG -> true;
            default -> false;
        };
    }

    public boolean isElementwiseBinary() {
        return this == ADD || this == SUB || this == MUL || this == DIV || this == POW || this == MAX || this == MIN;
    }

    private static CompileException bad(String where, String what) {
        return new CompileException(where + ": " + what);
    }

    /** Checks arity and attributes and infers the output type. */
    public TensorType infer(List<TensorType> in, Map<String, Object> a, String where) {
        // A matmul's epilogue takes one more input, after the operands (and the bias).
        int extra = (this == MATMUL || this == GEMM) && a.containsKey("epilogue") ? 1 : 0;
        int min = minInputs + extra;
        int max = maxInputs + extra;
        if (in.size() < min || in.size() > max) {
            throw bad(where, "takes " + (min == max ? Integer.toString(min) : min + ".." + max) + " inputs"
                    + (extra > 0 ? " (the last one is the epilogue's operand)" : "") + ", got " + in.size());
        }
        for (String k : a.keySet()) {
            if (!attrs.contains(k)) {
                throw bad(where, "unknown attribute '" + k + "'; " + label() + " takes " + (attrs.isEmpty() ? "none" : attrs));
            }
        }
        for (int i = 0; i < in.size(); i++) {
            if (in.get(i).dtype() != DType.F32) {
                throw bad(where, "input " + (i + 1) + " is " + in.get(i).dtype().label() + "; only f32 is supported");
            }
        }
        TensorType x = in.get(0);
        return switch (this) {
            case MATMUL, GEMM -> {
                TensorType b = in.get(1);
                if (x.rank() < 2 || b.rank() < 2 || this == GEMM && (x.rank() != 2 || b.rank() != 2)) {
                    throw bad(where, this == GEMM ? "expects 2-D operands, got " + x + " and " + b
                            : "expects operands of rank 2 or more (batches of matrices), got " + x + " and " + b);
                }
                Object act = a.get("activation");
                if (act != null && !(act instanceof String s && Set.of("relu", "gelu", "silu", "sigmoid", "tanh").contains(s))) {
                    throw bad(where, "activation must be one of relu, gelu, silu, sigmoid, tanh; got " + act);
                }
                Object epi = a.get("epilogue");
                if (epi != null && !(epi instanceof String s && EPILOGUES.contains(s))) {
                    throw bad(where, "epilogue must be one of add, sub, mul, div; got " + epi);
                }
                boolean ta = Boolean.TRUE.equals(a.get("transpose_a"));
                boolean tb = Boolean.TRUE.equals(a.get("transpose_b"));
                int m = ta ? x.dim(-1) : x.dim(-2);
                int k = ta ? x.dim(-2) : x.dim(-1);
                int kb = tb ? b.dim(-1) : b.dim(-2);
                int n = tb ? b.dim(-2) : b.dim(-1);
                if (k != kb) {
                    throw bad(where, "inner dimensions differ: " + x + (ta ? "^T" : "") + " times " + b + (tb ? "^T" : ""));
                }
                // Batch dims broadcast like numpy.
                List<Integer> batch = broadcastShapes(x.shape().subList(0, x.rank() - 2), b.shape().subList(0, b.rank() - 2), where);
                List<Integer> s = new ArrayList<>(batch);
                s.add(m);
                s.add(n);
                TensorType out = new TensorType(DType.F32, s);
                if (this == GEMM) {
                    broadcast(out, in.get(2), where, "bias");
                }
                if (epi != null && !broadcastBoth(out, in.get(in.size() - 1), where).equals(out)) {
                    throw bad(where, "the epilogue's operand " + in.get(in.size() - 1) + " would widen the result " + out);
                }
                yield out;
            }
            case ADD, SUB, MUL, DIV, POW, MAX, MIN -> broadcastBoth(x, in.get(1), where);
            case WHERE -> broadcastBoth(broadcastBoth(x, in.get(1), where), in.get(2), where);
            case RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG -> x;
            case SOFTMAX -> {
                lastAxis(x, a, where);
                yield x;
            }
            case LAYER_NORM, RMS_NORM -> {
                lastAxis(x, a, where);
                for (int i = 1; i < in.size(); i++) {
                    TensorType p = in.get(i);
                    if (p.elements() != x.cols() || p.cols() != x.cols()) {
                        throw bad(where, (i == 1 ? "scale" : "bias") + " is " + p + ", expected [" + x.cols() + "] (the last axis)");
                    }
                }
                yield x;
            }
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN -> {
                lastAxis(x, a, where);
                List<Integer> s = new ArrayList<>(x.shape());
                if (Boolean.FALSE.equals(a.get("keepdims"))) {
                    s.remove(s.size() - 1);
                } else {
                    s.set(s.size() - 1, 1);
                }
                yield new TensorType(DType.F32, s);
            }
            case TRANSPOSE -> {
                List<Integer> perm = intList(a.get("perm"), where, "perm");
                if (perm == null) {
                    perm = new ArrayList<>();
                    for (int i = x.rank() - 1; i >= 0; i--) {
                        perm.add(i);
                    }
                }
                if (perm.size() != x.rank() || !new java.util.HashSet<>(perm).equals(range(x.rank()))) {
                    throw bad(where, "perm " + perm + " is not a permutation of the " + x.rank() + " axes");
                }
                List<Integer> s = new ArrayList<>();
                for (int p : perm) {
                    s.add(x.dim(p));
                }
                yield new TensorType(DType.F32, s);
            }
            case RESHAPE -> {
                List<Integer> s = intList(a.get("shape"), where, "shape");
                if (s == null) {
                    throw bad(where, "needs the attribute shape=[...]");
                }
                long n = 1;
                for (int d : s) {
                    if (d < 1) {
                        throw bad(where, "shape " + s + " has a dimension below 1");
                    }
                    n *= d;
                }
                if (n != x.elements()) {
                    throw bad(where, "shape " + s + " has " + n + " elements, the input " + x + " has " + x.elements());
                }
                yield new TensorType(DType.F32, s);
            }
            case CONCAT -> {
                int axis = axis(a, x.rank(), where);
                List<Integer> s = new ArrayList<>(x.shape());
                for (int i = 1; i < in.size(); i++) {
                    TensorType t = in.get(i);
                    if (t.rank() != x.rank()) {
                        throw bad(where, "input " + (i + 1) + " has rank " + t.rank() + ", expected " + x.rank());
                    }
                    for (int d = 0; d < x.rank(); d++) {
                        if (d != axis && t.dim(d) != x.dim(d)) {
                            throw bad(where, "input " + (i + 1) + " is " + t + ", which differs from " + x + " outside axis " + axis);
                        }
                    }
                    s.set(axis, s.get(axis) + t.dim(axis));
                }
                yield new TensorType(DType.F32, s);
            }
            case SLICE -> {
                int axis = axis(a, x.rank(), where);
                int start = (int) num(a, "start", 0);
                int end = (int) num(a, "end", x.dim(axis));
                if (start < 0 || end > x.dim(axis) || start >= end) {
                    throw bad(where, "slice " + start + ":" + end + " is outside axis " + axis + " of " + x);
                }
                List<Integer> s = new ArrayList<>(x.shape());
                s.set(axis, end - start);
                yield new TensorType(DType.F32, s);
            }
            case ALL_REDUCE -> x;
            case ALL_GATHER -> x; // per-sentron shape; the gathered axis grows by the group size at run time
        };
    }

    private static Set<Integer> range(int n) {
        Set<Integer> s = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            s.add(i);
        }
        return s;
    }

    private static double num(Map<String, Object> a, String k, double fallback) {
        Object v = a.get(k);
        return v instanceof Number n ? n.doubleValue() : fallback;
    }

    private static int axis(Map<String, Object> a, int rank, String where) {
        int axis = (int) num(a, "axis", rank - 1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis < 0 || axis >= rank) {
            throw bad(where, "axis " + a.get("axis") + " is outside rank " + rank);
        }
        return axis;
    }

    private static void lastAxis(TensorType x, Map<String, Object> a, String where) {
        if (x.rank() < 1) {
            throw bad(where, "needs a tensor of rank 1 or more, got a scalar");
        }
        if (axis(a, x.rank(), where) != x.rank() - 1) {
            throw bad(where, "supports only the last axis (axis=-1)");
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Integer> intList(Object v, String where, String name) {
        if (v == null) {
            return null;
        }
        if (!(v instanceof List<?> l) || !l.stream().allMatch(e -> e instanceof Integer)) {
            throw bad(where, name + " must be a list of integers like [1, 0]");
        }
        return (List<Integer>) l;
    }

    /** Checks that {@code b} broadcasts to {@code out} (numpy rules, ranks up to 2). */
    static void broadcast(TensorType out, TensorType b, String where, String what) {
        if (b.rank() > 2 || (b.rank() >= 1 && b.cols() != out.cols() && b.cols() != 1)
                || (b.rank() == 2 && b.rows() != out.rows() && b.rows() != 1)) {
            throw bad(where, what + " is " + b + ", which does not broadcast to " + out);
        }
    }

    static TensorType broadcastBoth(TensorType x, TensorType y, String where) {
        return new TensorType(DType.F32, broadcastShapes(x.shape(), y.shape(), where));
    }

    /** NumPy broadcasting of two shapes, right-aligned. */
    static List<Integer> broadcastShapes(List<Integer> x, List<Integer> y, String where) {
        int rank = Math.max(x.size(), y.size());
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            int dx = i - (rank - x.size()) >= 0 ? x.get(i - (rank - x.size())) : 1;
            int dy = i - (rank - y.size()) >= 0 ? y.get(i - (rank - y.size())) : 1;
            if (dx != dy && dx != 1 && dy != 1) {
                throw bad(where, x + " and " + y + " do not broadcast (axis " + i + ": " + dx + " vs " + dy + ")");
            }
            s.add(Math.max(dx, dy));
        }
        return s;
    }
}

package ai.vtpu.phextcc.onnx;

import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * ONNX (opset 6 and newer; Softmax and LogSoftmax 13 and newer) to the vTPU IR. One converter per op in one switch; the whole graph is scanned
 * first and every unsupported op is reported, sorted, in one error. The IR is produced as text and parsed,
 * so its shape inference checks the import. Initializers become graph inputs whose values travel with the
 * result ({@link Result#constants()}).
 */
public final class OnnxImporter {
    /** The ops this importer claims (docs/ONNX.md lists what their conformance tests give). */
    public static final Set<String> SUPPORTED = Set.of("MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh",
            "Exp", "Sqrt", "Softmax", "LayerNormalization", "ReduceSum", "ReduceMean", "ReduceMax", "Transpose", "Reshape",
            "Concat", "Identity", "Unsqueeze", "Squeeze", "Cast", "Constant", "Slice", "Flatten", "Gelu", "Erf", "Pow", "Where",
            "Gather", "Reciprocal", "Neg", "Abs", "Log", "Max", "Min", "LogSoftmax", "Sum", "Mean", "Clip", "LeakyRelu",
            "ReduceMin", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum", "Softplus", "Softsign", "HardSigmoid",
            "HardSwish", "Elu", "Selu", "Celu", "PRelu", "Expand", "Dropout");

    /**
     * @param irText the graph in IR text form
     * @param constants initializer values by IR name, to be fed as inputs
     * @param inputNames ONNX input name -> IR name; {@code outputNames} likewise
     */
    public record Result(Graph graph, String irText, Map<String, double[]> constants, Map<String, String> inputNames,
                         Map<String, String> outputNames) {
        /** The constants rounded to f32, as programs and the reference evaluator take them. */
        public Map<String, float[]> constantsF32() {
            Map<String, float[]> out = new LinkedHashMap<>();
            constants.forEach((k, v) -> {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = (float) v[i];
                }
                out.put(k, f);
            });
            return out;
        }
    }

    private final OnnxModel.Model model;
    private final Map<String, String> names = new HashMap<>();
    private final Map<String, List<Long>> shapes = new HashMap<>();
    private final Map<String, OnnxModel.Tensor> consts = new HashMap<>();
    private final StringBuilder ir = new StringBuilder();
    private int fresh;

    private final Map<String, OnnxModel.Tensor> known;

    private OnnxImporter(OnnxModel.Model model, Map<String, OnnxModel.Tensor> known) {
        this.model = model;
        this.known = known;
    }

    public static Result importModel(OnnxModel.Model model, String file) {
        return importModel(model, file, Map.of());
    }

    /**
     * @param known values of graph inputs that are compile-time constants for this compilation (shapes, axes,
     *     slice bounds given as non-float inputs): they are folded in like initializers
     */
    public static Result importModel(OnnxModel.Model model, String file, Map<String, OnnxModel.Tensor> known) {
        return new OnnxImporter(model, known).run(file);
    }

    /** ONNX names that are IR identifiers are kept (so users find their tensors); others become _vN. */
    private String irName(String onnx) {
        return names.computeIfAbsent(onnx, k -> k.matches("[A-Za-z][A-Za-z0-9_]*") && k.length() <= 64
                && !Set.of("graph", "input", "output").contains(k) ? k : "_v" + (fresh++));
    }

    private static CompileException bad(OnnxModel.Node n, String what) {
        return new CompileException("ONNX node '" + n.name() + "' (" + n.opType() + "): " + what);
    }

    private Result run(String file) {
        // Opsets 6-12 are read too: the ops whose meaning changed since carry attributes the converters refuse
        // (broadcast, consumed_inputs, Slice's starts, Clip's min), or are checked by name (Softmax).
        if (model.opset() != 0 && model.opset() < 6) {
            throw new CompileException(file + ": opset " + model.opset() + "; the importer reads opset 6 and newer");
        }
        Set<String> unsupported = new TreeSet<>();
        for (OnnxModel.Node n : model.graph().nodes()) {
            if (!SUPPORTED.contains(n.opType()) || !(n.domain().isEmpty() || n.domain().equals("ai.onnx"))) {
                unsupported.add(n.opType() + (n.domain().isEmpty() ? "" : " (domain " + n.domain() + ")"));
            }
        }
        if (!unsupported.isEmpty()) {
            throw new CompileException(file + ": unsupported ONNX ops: " + String.join(", ", unsupported));
        }
        ir.append("graph ").append("onnx_model").append('\n');
        Map<String, double[]> constants = new LinkedHashMap<>();
        Map<String, String> inputNames = new LinkedHashMap<>();
        for (OnnxModel.ValueInfo v : model.graph().inputs()) {
            if (model.graph().initializers().containsKey(v.name())) {
                continue;
            }
            if (v.elemType() != 1 && known.containsKey(v.name())) {
                consts.put(v.name(), known.get(v.name()));
                continue;
            }
            declare(v.name(), v.shape(), v.elemType());
            inputNames.put(v.name(), irName(v.name()));
        }
        for (OnnxModel.Tensor t : model.graph().initializers().values()) {
            consts.put(t.name(), t);
            if (t.dataType() == 1 || t.dataType() == 11 || t.dataType() == 10) {
                declare(t.name(), t.dims().isEmpty() ? List.of(1L) : t.dims(), 1);
                constants.put(irName(t.name()), t.values());
            }
        }
        // RMS norms spelled in primitives become one rms_norm; their inner nodes are skipped.
        RmsNormPattern rms = new RmsNormPattern(model.graph(), consts);
        Map<OnnxModel.Node, RmsNormPattern.Match> anchors = new HashMap<>();
        Set<OnnxModel.Node> absorbed = new java.util.HashSet<>();
        // From the end, so a match with the scale claims its nodes before the one without it.
        for (OnnxModel.Node n : model.graph().nodes().reversed()) {
            RmsNormPattern.Match m = rms.at(n);
            if (m != null && !absorbed.contains(n) && java.util.Collections.disjoint(m.absorbed(), absorbed)) {
                anchors.put(n, m);
                absorbed.addAll(m.absorbed());
            }
        }
        for (OnnxModel.Node n : model.graph().nodes()) {
            if (absorbed.contains(n)) {
                continue;
            }
            RmsNormPattern.Match m = anchors.get(n);
            if (m != null) {
                List<Long> xs = shapeOf(m.x());
                if (m.fits(xs, m.gamma() == null ? null : shapeOf(m.gamma()))) {
                    op(irName(n.outputs().get(0)), "rms_norm", irName(m.x()) + (m.gamma() == null ? "" : ", " + irName(m.gamma()))
                            + ", axis=-1, epsilon=" + m.eps());
                    shapes.put(n.outputs().get(0), xs);
                    continue;
                }
                for (OnnxModel.Node a : model.graph().nodes()) {
                    if (m.absorbed().contains(a)) {
                        convert(a);
                    }
                }
            }
            convert(n);
        }
        Map<String, String> outputNames = new LinkedHashMap<>();
        List<String> outs = new ArrayList<>();
        for (OnnxModel.ValueInfo v : model.graph().outputs()) {
            String name = irName(v.name());
            outputNames.put(v.name(), name);
            outs.add(name);
        }
        ir.append("output ").append(String.join(", ", outs)).append('\n');
        constants.putAll(synthetic);
        Graph g = IrParser.parse(ir.toString(), file + " (as IR)");
        return new Result(g, ir.toString(), constants, inputNames, outputNames);
    }

    private void declare(String onnx, List<Long> shape, int elemType) {
        if (elemType != 1) {
            throw new CompileException("ONNX value '" + onnx + "' has element type " + elemType + "; only float32 (1) is supported");
        }
        if (shape.isEmpty()) {
            shape = List.of(1L);
        }
        for (long d : shape) {
            if (d < 1) {
                throw new CompileException("ONNX value '" + onnx + "' has a symbolic or empty dimension in " + shape
                        + "; give the model fixed shapes");
            }
        }
        shapes.put(onnx, shape);
        ir.append("input ").append(irName(onnx)).append(": f32").append(shape).append('\n');
    }

    private long intAttr(OnnxModel.Node n, String name, long fallback) {
        OnnxModel.Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.i();
    }

    private double floatAttr(OnnxModel.Node n, String name, double fallback) {
        OnnxModel.Attribute a = n.attributes().get(name);
        return a == null ? fallback : a.f();
    }

    private void only(OnnxModel.Node n, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String a : n.attributes().keySet()) {
            if (!ok.contains(a)) {
                throw bad(n, "attribute '" + a + "' is not supported");
            }
        }
    }

    private void emit(OnnxModel.Node n, String op, List<String> onnxInputs, String attrs) {
        List<String> ins = new ArrayList<>();
        for (String i : onnxInputs) {
            floatValue(n, i, "input '" + i + "'", false);
            ins.add(irName(i));
        }
        op(irName(n.outputs().get(0)), op, String.join(", ", ins) + (attrs.isEmpty() ? "" : (ins.isEmpty() ? "" : ", ") + attrs));
    }

    private void convert(OnnxModel.Node n) {
        List<String> in = n.inputs();
        switch (n.opType()) {
            case "MatMul" -> {
                only(n);
                emit(n, "matmul", in, "");
            }
            case "Gemm" -> {
                only(n, "alpha", "beta", "transA", "transB");
                double alpha = floatAttr(n, "alpha", 1);
                double beta = floatAttr(n, "beta", 1);
                String t = "transpose_a=" + (intAttr(n, "transA", 0) != 0) + ", transpose_b=" + (intAttr(n, "transB", 0) != 0);
                boolean bias = in.size() > 2 && !in.get(2).isEmpty();
                String out = irName(n.outputs().get(0));
                if (alpha == 1 && (beta == 1 || !bias)) {
                    emit(n, bias ? "gemm" : "matmul", bias ? in : in.subList(0, 2), t);
                    break;
                }
                // alpha * op(A) op(B) + beta * C, with the scalars as constant [1] inputs.
                String prod = op(null, "matmul", irName(in.get(0)) + ", " + irName(in.get(1)) + ", " + t);
                String scaled = alpha == 1 ? prod : scale(prod, alpha);
                if (!bias) {
                    op(out, "reshape", scaled + ", shape=" + shapeOf2(prod));
                } else {
                    String c = beta == 1 ? irName(in.get(2)) : scale(irName(in.get(2)), beta);
                    op(out, "add", scaled + ", " + c);
                }
            }
            case "Add", "Sub", "Mul", "Div" -> {
                only(n);
                emit(n, n.opType().toLowerCase(java.util.Locale.ROOT), in, "");
            }
            case "Relu", "Sigmoid", "Tanh", "Exp", "Sqrt", "Erf", "Neg", "Abs", "Log" -> {
                only(n);
                emit(n, n.opType().toLowerCase(java.util.Locale.ROOT), in, "");
            }
            case "Max", "Min", "Sum", "Mean" -> {
                only(n);
                // Variadic: a chain of binary ops with broadcasting (Mean: the sum times 1/n); one input is a copy.
                String op = switch (n.opType()) {
                    case "Sum", "Mean" -> "add";
                    default -> n.opType().toLowerCase(java.util.Locale.ROOT);
                };
                if (n.opType().equals("Mean") && in.size() > 1) {
                    in.forEach(i -> floatValue(n, i, "input '" + i + "'", false));
                    String acc = irName(in.get(0));
                    for (int i = 1; i < in.size(); i++) {
                        acc = op(null, "add", acc + ", " + irName(in.get(i)));
                    }
                    op(irName(n.outputs().get(0)), "mul", acc + ", " + constant(1.0 / in.size()));
                    break;
                }
                in.forEach(i -> floatValue(n, i, "input '" + i + "'", false));
                String acc = irName(in.get(0));
                for (int i = 1; i < in.size(); i++) {
                    acc = op(i == in.size() - 1 ? irName(n.outputs().get(0)) : null, op, acc + ", " + irName(in.get(i)));
                }
                if (in.size() == 1) {
                    emit(n, "reshape", in, "shape=" + shapeOf(in.get(0)));
                }
            }
            case "Clip" -> {
                only(n);
                // min(max(x, lo), hi) with the bounds as constants; a missing bound is no bound.
                floatValue(n, in.get(0), "the input", false);
                String cur = irName(in.get(0));
                String out = irName(n.outputs().get(0));
                boolean hasLo = in.size() > 1 && !in.get(1).isEmpty();
                boolean hasHi = in.size() > 2 && !in.get(2).isEmpty();
                if (hasLo) {
                    floatValue(n, in.get(1), "min", false);
                    cur = op(hasHi ? null : out, "max", cur + ", " + irName(in.get(1)));
                }
                if (hasHi) {
                    floatValue(n, in.get(2), "max", false);
                    cur = op(out, "min", cur + ", " + irName(in.get(2)));
                }
                if (!hasLo && !hasHi) {
                    emit(n, "reshape", in.subList(0, 1), "shape=" + shapeOf(in.get(0)));
                }
            }
            case "LeakyRelu", "PRelu", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu" -> {
                only(n, "alpha", "beta", "gamma");
                floatValue(n, in.get(0), "the input", false);
                activation(n, irName(in.get(0)), irName(n.outputs().get(0)));
            }
            case "Expand" -> {
                only(n);
                // Broadcast to the shape: add a zero constant of the target shape (NumPy rules, as ONNX says).
                floatValue(n, in.get(0), "the input", false);
                List<Long> target = constLongs(n, in.get(1));
                long count = 1;
                for (long d : target) {
                    count *= Math.max(1, d);
                }
                List<Long> zshape = target.isEmpty() ? List.of(1L) : target.stream().map(d -> Math.max(1, d)).toList();
                String zeros = syntheticInput(zshape, new double[(int) count]);
                op(irName(n.outputs().get(0)), "add", irName(in.get(0)) + ", " + zeros);
            }
            case "Reciprocal" -> {
                only(n);
                op(irName(n.outputs().get(0)), "div", constant(1) + ", " + irName(in.get(0)));
            }
            case "Pow" -> {
                only(n);
                floatValue(n, in.get(0), "the base", false);
                floatValue(n, in.get(1), "the exponent", true);
                emit(n, "pow", in, "");
            }
            case "Where" -> {
                only(n);
                floatValue(n, in.get(0), "the condition", true);
                floatValue(n, in.get(1), "X", false);
                floatValue(n, in.get(2), "Y", false);
                emit(n, "where", in, "");
            }
            case "Gather" -> {
                only(n, "axis");
                gather(n);
                return;
            }
            case "Gelu" -> {
                only(n, "approximate");
                OnnxModel.Attribute ap = n.attributes().get("approximate");
                if (ap != null && ap.s() != null && !ap.s().equals("none")) {
                    throw bad(n, "approximate=" + ap.s() + " is not supported (the exact erf form is)");
                }
                emit(n, "gelu", in, "");
            }
            case "Dropout" -> {
                // Inference: the identity. Training mode and the mask output are refused.
                only(n, "seed", "ratio", "is_test");
                if (in.size() > 2 && !in.get(2).isEmpty()) {
                    OnnxModel.Tensor mode = consts.get(in.get(2));
                    if (mode == null || mode.values().length != 1 || mode.values()[0] != 0) {
                        throw bad(n, "training_mode must be a constant false; only inference (the identity) is supported");
                    }
                }
                if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
                    throw bad(n, "the mask output is not supported");
                }
                emit(n, "reshape", in.subList(0, 1), "shape=" + shapeOf(in.get(0)));
            }
            case "Identity" -> {
                only(n);
                emit(n, "reshape", in, "shape=" + shapeOf(in.get(0)));
            }
            case "Softmax", "LogSoftmax" -> {
                only(n, "axis");
                if (model.opset() != 0 && model.opset() < 13) {
                    throw bad(n, "before opset 13 " + n.opType() + " flattens its input to 2-D at the axis; only opset 13 and newer is supported");
                }
                floatValue(n, in.get(0), "the input", false);
                List<Long> shape = shapeOf(in.get(0));
                int rank = shape.size();
                long axis = intAttr(n, "axis", -1);
                if (axis < -rank || axis >= rank) {
                    throw bad(n, "axis " + axis + " is outside the input's rank " + rank);
                }
                if (axis < 0) {
                    axis += rank;
                }
                boolean log = n.opType().equals("LogSoftmax");
                String out = irName(n.outputs().get(0));
                if (axis == rank - 1) {
                    if (log) {
                        logSoftmax(irName(in.get(0)), out);
                    } else {
                        emit(n, "softmax", in, "axis=-1");
                    }
                    break;
                }
                // Along another axis: swap it with the last, normalise, swap back.
                List<Integer> perm = new ArrayList<>();
                for (int i = 0; i < rank; i++) {
                    perm.add(i == axis ? rank - 1 : i == rank - 1 ? (int) axis : i);
                }
                String t = op(null, "transpose", irName(in.get(0)) + ", perm=" + perm);
                String sm = log ? logSoftmax(t, null) : op(null, "softmax", t);
                op(out, "transpose", sm + ", perm=" + perm);
            }
            case "LayerNormalization" -> {
                only(n, "axis", "epsilon", "stash_type");
                if (intAttr(n, "stash_type", 1) != 1) {
                    throw bad(n, "stash_type " + intAttr(n, "stash_type", 1) + "; only float32 (1) statistics are supported");
                }
                layerNorm(n);
                return;
            }
            case "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL1", "ReduceL2", "ReduceLogSum" -> {
                only(n, "axes", "keepdims", "noop_with_empty_axes");
                List<Long> axes = axesOf(n);
                String op = switch (n.opType()) {
                    case "ReduceMean" -> "reduce_mean";
                    case "ReduceMax" -> "reduce_max";
                    case "ReduceMin" -> "reduce_min";
                    default -> "reduce_sum";
                };
                // The composed reductions: an elementwise op before the sum (x², |x|) and one after (√, log).
                String pre = switch (n.opType()) {
                    case "ReduceSumSquare", "ReduceL2" -> "square";
                    case "ReduceL1" -> "abs";
                    default -> null;
                };
                String post = switch (n.opType()) {
                    case "ReduceL2" -> "sqrt";
                    case "ReduceLogSum" -> "log";
                    default -> null;
                };
                floatValue(n, in.get(0), "the input", false);
                boolean keep = intAttr(n, "keepdims", 1) != 0;
                List<Long> shape = shapeOf(in.get(0));
                int rank = shape.size();
                boolean noop = intAttr(n, "noop_with_empty_axes", 0) != 0;
                if (axes.isEmpty() && noop) {
                    if (pre != null || post != null) {
                        throw bad(n, "noop_with_empty_axes with no axes is not supported for " + n.opType());
                    }
                    emit(n, "reshape", in.subList(0, 1), "shape=" + shape);
                    break;
                }
                java.util.SortedSet<Integer> ax = new java.util.TreeSet<>();
                for (long a : axes) {
                    ax.add((int) (a < 0 ? a + rank : a));
                }
                if (axes.isEmpty()) {
                    for (int a = 0; a < rank; a++) {
                        ax.add(a);
                    }
                }
                List<Long> outShape = new ArrayList<>();
                for (int a = 0; a < rank; a++) {
                    if (ax.contains(a)) {
                        if (keep) {
                            outShape.add(1L);
                        }
                    } else {
                        outShape.add(shape.get(a));
                    }
                }
                if (outShape.isEmpty()) {
                    outShape.add(1L);
                }
                String x = irName(in.get(0));
                if (pre != null) {
                    x = pre.equals("square") ? op(null, "mul", x + ", " + x) : op(null, pre, x);
                }
                if (rank >= 2 && ax.size() == 1 && ax.first() == rank - 1) {
                    // The IR reduces the last axis of any rank itself; no flattening, so a batch split stays whole.
                    String out = irName(n.outputs().get(0));
                    String r = op(post == null ? out : null, op, x + ", keepdims=" + keep);
                    if (post != null) {
                        op(out, post, r);
                    }
                    shapes.put(n.outputs().get(0), outShape);
                    return;
                }
                // Reduce the trailing block of axes as one last axis: move the reduced axes to the end when they
                // are not there already, flatten them, reduce, and reshape to the ONNX result shape.
                boolean trailing = ax.last() == rank - 1 && ax.first() == rank - ax.size();
                String src = x;
                if (!trailing) {
                    List<Integer> perm = new ArrayList<>();
                    for (int a = 0; a < rank; a++) {
                        if (!ax.contains(a)) {
                            perm.add(a);
                        }
                    }
                    perm.addAll(ax);
                    src = op(null, "transpose", src + ", perm=" + perm);
                }
                long kept = 1;
                long reduced = 1;
                for (int a = 0; a < rank; a++) {
                    if (ax.contains(a)) {
                        reduced *= shape.get(a);
                    } else {
                        kept *= shape.get(a);
                    }
                }
                String flat = op(null, "reshape", src + ", shape=[" + kept + ", " + reduced + "]");
                String red = op(null, op, flat);
                if (post != null) {
                    red = op(null, post, red);
                }
                op(irName(n.outputs().get(0)), "reshape", red + ", shape=" + outShape);
                shapes.put(n.outputs().get(0), outShape);
                return;
            }
            case "Transpose" -> {
                only(n, "perm");
                OnnxModel.Attribute p = n.attributes().get("perm");
                emit(n, "transpose", in, p == null ? "" : "perm=" + p.ints());
            }
            case "Reshape" -> {
                only(n, "allowzero");
                List<Long> target = new ArrayList<>(constLongs(n, in.get(1)));
                List<Long> src = shapeOf(in.get(0));
                long total = 1;
                for (long d : src) {
                    total *= d;
                }
                long known = 1;
                int unknown = -1;
                for (int i = 0; i < target.size(); i++) {
                    if (target.get(i) == 0) {
                        target.set(i, src.get(i));
                    }
                    if (target.get(i) == -1) {
                        unknown = i;
                    } else {
                        known *= target.get(i);
                    }
                }
                if (unknown >= 0) {
                    target.set(unknown, total / Math.max(1, known));
                }
                emit(n, "reshape", in.subList(0, 1), "shape=" + target);
                shapes.put(n.outputs().get(0), target);
                return;
            }
            case "Unsqueeze", "Squeeze", "Flatten" -> {
                only(n, "axes", "axis");
                List<Long> src = shapeOf(in.get(0));
                List<Long> axes = axesOf(n);
                List<Long> target = new ArrayList<>();
                if (n.opType().equals("Flatten")) {
                    long axis = intAttr(n, "axis", 1);
                    if (axis < 0) {
                        axis += src.size();
                    }
                    long outer = 1;
                    long inner = 1;
                    for (int i = 0; i < src.size(); i++) {
                        if (i < axis) {
                            outer *= src.get(i);
                        } else {
                            inner *= src.get(i);
                        }
                    }
                    target.add(outer);
                    target.add(inner);
                } else if (n.opType().equals("Unsqueeze")) {
                    int rank = src.size() + axes.size();
                    java.util.Set<Long> at = new java.util.HashSet<>();
                    for (long a : axes) {
                        at.add(a < 0 ? a + rank : a);
                    }
                    int next = 0;
                    for (int i = 0; i < rank; i++) {
                        target.add(at.contains((long) i) ? 1L : src.get(next++));
                    }
                } else {
                    java.util.Set<Long> at = new java.util.HashSet<>();
                    for (long a : axes) {
                        at.add(a < 0 ? a + src.size() : a);
                    }
                    for (int i = 0; i < src.size(); i++) {
                        boolean drop = axes.isEmpty() ? src.get(i) == 1 : at.contains((long) i);
                        if (!drop) {
                            target.add(src.get(i));
                        }
                    }
                    if (target.isEmpty()) {
                        target.add(1L);
                    }
                }
                emit(n, "reshape", in.subList(0, 1), "shape=" + target);
                shapes.put(n.outputs().get(0), target);
                return;
            }
            case "Cast" -> {
                only(n, "to", "saturate");
                if (intAttr(n, "to", 0) != 1) {
                    throw bad(n, "a cast to element type " + intAttr(n, "to", 0) + "; only float32 (1) is supported");
                }
                OnnxModel.Tensor c = consts.get(in.get(0));
                if (c != null && known.containsKey(in.get(0))) {
                    throw bad(n, "input '" + in.get(0) + "' has element type " + c.dataType() + "; run-time values are float32 only");
                }
                if (c != null && !isFloat(c.dataType()) && !synthetic.containsKey(irName(in.get(0)))) {
                    // A constant cast to float: folded, rounded to float32 as the cast would.
                    declare(in.get(0), c.dims().isEmpty() ? List.of(1L) : c.dims(), 1);
                    synthetic.put(irName(in.get(0)), c.values());
                }
                emit(n, "reshape", in, "shape=" + shapeOf(in.get(0)));
            }
            case "Constant" -> {
                only(n, "value");
                OnnxModel.Attribute v = n.attributes().get("value");
                if (v == null || v.t() == null) {
                    throw bad(n, "only the 'value' (tensor) form is supported");
                }
                OnnxModel.Tensor t = new OnnxModel.Tensor(n.outputs().get(0), v.t().dims(), v.t().dataType(), v.t().values());
                consts.put(n.outputs().get(0), t);
                if (t.dataType() == 1 || t.dataType() == 10 || t.dataType() == 11) {
                    declare(n.outputs().get(0), t.dims().isEmpty() ? List.of(1L) : t.dims(), 1);
                    synthetic.put(irName(n.outputs().get(0)), t.values());
                }
                return;
            }
            case "Slice" -> {
                only(n);
                List<Long> starts = constLongs(n, in.get(1));
                List<Long> ends = constLongs(n, in.get(2));
                List<Long> src = shapeOf(in.get(0));
                List<Long> axes = new ArrayList<>();
                if (in.size() > 3 && !in.get(3).isEmpty()) {
                    axes.addAll(constLongs(n, in.get(3)));
                } else {
                    for (long i = 0; i < starts.size(); i++) {
                        axes.add(i);
                    }
                }
                List<Long> steps = in.size() > 4 && !in.get(4).isEmpty() ? constLongs(n, in.get(4)) : null;
                String cur = irName(in.get(0));
                List<Long> shape = new ArrayList<>(src);
                for (int i = 0; i < axes.size(); i++) {
                    int axis = (int) (axes.get(i) < 0 ? axes.get(i) + src.size() : axes.get(i));
                    long dim = shape.get(axis);
                    long step = steps == null ? 1 : steps.get(i);
                    if (step != 1) {
                        // Strided or reversed: the selected entries, taken one by one (ONNX clamping rules).
                        List<Long> picked = stepped(n, starts.get(i), ends.get(i), step, dim);
                        String taken = take(cur, axis, picked);
                        shape.set(axis, (long) picked.size());
                        cur = i == axes.size() - 1 ? op(irName(n.outputs().get(0)), "reshape", taken + ", shape=" + shape) : taken;
                        continue;
                    }
                    long st = clamp(starts.get(i) < 0 ? starts.get(i) + dim : starts.get(i), dim);
                    long en = clamp(ends.get(i) < 0 ? ends.get(i) + dim : ends.get(i), dim);
                    if (en <= st) {
                        throw bad(n, "an empty slice along axis " + axis + " is not supported");
                    }
                    cur = op(i == axes.size() - 1 ? irName(n.outputs().get(0)) : null, "slice",
                            cur + ", axis=" + axis + ", start=" + st + ", end=" + en);
                    shape.set(axis, en - st);
                }
                shapes.put(n.outputs().get(0), shape);
                return;
            }
            case "Concat" -> {
                only(n, "axis");
                emit(n, "concat", in, "axis=" + intAttr(n, "axis", 0));
            }
            default -> throw bad(n, "no converter");
        }
        shapes.put(n.outputs().get(0), null);
    }

    private final Map<String, double[]> synthetic = new LinkedHashMap<>();

    private static boolean isFloat(int onnxType) {
        return onnxType == 1 || onnxType == 10 || onnxType == 11;
    }

    /**
     * Checks that an operand is float data. A constant of another type (a bool condition, an integer
     * exponent) is exact in f32 for the values such operands hold, so with {@code convert} it becomes an f32
     * constant input; otherwise it is refused with the node named.
     */
    private void floatValue(OnnxModel.Node n, String onnx, String role, boolean convert) {
        OnnxModel.Tensor t = consts.get(onnx);
        if (t == null || isFloat(t.dataType()) || synthetic.containsKey(irName(onnx))) {
            return;
        }
        if (!convert) {
            throw bad(n, (role.startsWith("input '") ? role : role + " ('" + onnx + "')") + " has element type " + t.dataType()
                    + "; only float32 (1) is supported");
        }
        for (double v : t.values()) {
            if ((float) v != v) {
                throw bad(n, role + " ('" + onnx + "') holds " + v + ", which float32 cannot represent exactly");
            }
        }
        declare(onnx, t.dims().isEmpty() ? List.of(1L) : t.dims(), 1);
        synthetic.put(irName(onnx), t.values());
    }

    /**
     * Gather with constant indices (a static compiler knows them): one single-index slice per index along
     * the axis, concatenated, then reshaped to data.shape[:axis] + indices.shape + data.shape[axis+1:].
     * Indices computed at run time (token ids fed to an embedding) are not supported yet.
     */
    private void gather(OnnxModel.Node n) {
        List<String> in = n.inputs();
        floatValue(n, in.get(0), "the data", false);
        if (!consts.containsKey(in.get(1))) {
            throw bad(n, "indices '" + in.get(1) + "' must be a constant; indices computed at run time are not supported");
        }
        OnnxModel.Tensor idx = consts.get(in.get(1));
        List<Long> src = shapeOf(in.get(0));
        int rank = src.size();
        long axis = intAttr(n, "axis", 0);
        if (axis < -rank || axis >= rank) {
            throw bad(n, "axis " + axis + " is outside the data's rank " + rank);
        }
        int ax = (int) (axis < 0 ? axis + rank : axis);
        long dim = src.get(ax);
        List<Long> at = new ArrayList<>();
        for (double v : idx.values()) {
            long i = (long) v;
            if (i < -dim || i >= dim) {
                throw bad(n, "index " + i + " is outside [" + -dim + ", " + dim + ") along axis " + ax);
            }
            at.add(i < 0 ? i + dim : i);
        }
        String taken = take(irName(in.get(0)), ax, at);
        List<Long> outShape = new ArrayList<>(src.subList(0, ax));
        outShape.addAll(idx.dims());
        outShape.addAll(src.subList(ax + 1, rank));
        if (outShape.isEmpty()) {
            outShape.add(1L);
        }
        op(irName(n.outputs().get(0)), "reshape", taken + ", shape=" + outShape);
        shapes.put(n.outputs().get(0), outShape);
    }

    /**
     * The entries {@code indices} (in range, any order, repeats allowed) of {@code value} along {@code axis},
     * as single-index slices joined by concat; the axis keeps its place with length indices.size().
     */
    private String take(String value, int axis, List<Long> indices) {
        List<String> parts = new ArrayList<>();
        for (long at : indices) {
            parts.add(op(null, "slice", value + ", axis=" + axis + ", start=" + at + ", end=" + (at + 1)));
        }
        // concat takes at most 64 inputs: join in groups until one value is left.
        while (parts.size() > 1) {
            List<String> next = new ArrayList<>();
            for (int k = 0; k < parts.size(); k += 64) {
                List<String> group = parts.subList(k, Math.min(parts.size(), k + 64));
                if (group.size() == 1) {
                    next.add(group.get(0));
                    continue;
                }
                next.add(op(null, "concat", String.join(", ", group) + ", axis=" + axis));
            }
            parts = next;
        }
        return parts.get(0);
    }

    /**
     * The activations ONNX defines on top of the primitives, each in a form that is exact for every input
     * (no overflow of exp for large |x|, no assumption on the sign of a slope): relu(x) = max(x, 0) and
     * min(x, 0) carry the two branches.
     */
    private void activation(OnnxModel.Node n, String x, String out) {
        String pos = op(null, "max", x + ", " + constant(0));
        String neg = op(null, "min", x + ", " + constant(0));
        switch (n.opType()) {
            case "LeakyRelu" -> op(out, "add", pos + ", " + op(null, "mul", neg + ", " + constant(floatAttr(n, "alpha", 0.01))));
            case "PRelu" -> {
                floatValue(n, n.inputs().get(1), "the slope", false);
                op(out, "add", pos + ", " + op(null, "mul", neg + ", " + irName(n.inputs().get(1))));
            }
            // softplus(x) = max(x, 0) + log(1 + exp(-|x|))
            case "Softplus" -> op(out, "add", pos + ", " + op(null, "log", op(null, "add", constant(1) + ", "
                    + op(null, "exp", op(null, "neg", op(null, "abs", x))))));
            case "Softsign" -> op(out, "div", x + ", " + op(null, "add", constant(1) + ", " + op(null, "abs", x)));
            case "HardSigmoid", "HardSwish" -> {
                double alpha = n.opType().equals("HardSwish") ? 1.0 / 6 : floatAttr(n, "alpha", 0.2);
                double beta = n.opType().equals("HardSwish") ? 0.5 : floatAttr(n, "beta", 0.5);
                String lin = op(null, "add", op(null, "mul", x + ", " + constant(alpha)) + ", " + constant(beta));
                String hs = op(n.opType().equals("HardSigmoid") ? out : null, "min",
                        op(null, "max", lin + ", " + constant(0)) + ", " + constant(1));
                if (n.opType().equals("HardSwish")) {
                    op(out, "mul", x + ", " + hs);
                }
            }
            case "Elu", "Selu", "Celu" -> {
                // x > 0: x; else alpha (e^(x / s) - 1), s = alpha for Celu and 1 otherwise; Selu scales by gamma
                double alpha = floatAttr(n, "alpha", n.opType().equals("Selu") ? 1.67326319217681884765625 : 1.0);
                if (alpha < 0) {
                    throw bad(n, "alpha " + alpha + "; only alpha >= 0 is supported");
                }
                String inner = n.opType().equals("Celu") ? op(null, "mul", neg + ", " + constant(1 / alpha)) : neg;
                String tail = op(null, "mul", op(null, "sub", op(null, "exp", inner) + ", " + constant(1)) + ", " + constant(alpha));
                if (n.opType().equals("Selu")) {
                    double gamma = floatAttr(n, "gamma", 1.05070102214813232421875);
                    op(out, "mul", op(null, "add", pos + ", " + tail) + ", " + constant(gamma));
                } else {
                    op(out, "add", pos + ", " + tail);
                }
            }
            default -> throw bad(n, "no converter");
        }
    }

    /**
     * log softmax over the last axis in the stable form x - m - log(sum(exp(x - m))), m the row maximum (the
     * log of a softmax would give -inf where the answer is finite).
     */
    private String logSoftmax(String x, String name) {
        String d = op(null, "sub", x + ", " + op(null, "reduce_max", x));
        String lse = op(null, "log", op(null, "reduce_sum", op(null, "exp", d)));
        return op(name, "sub", d + ", " + lse);
    }

    /** The indices start, start+step, ... before end along an axis of length dim, as ONNX Slice clamps them. */
    private static List<Long> stepped(OnnxModel.Node n, long start, long end, long step, long dim) {
        if (step == 0) {
            throw bad(n, "a step of 0");
        }
        long st = start < 0 ? start + dim : start;
        long en = end < 0 ? end + dim : end;
        List<Long> out = new ArrayList<>();
        if (step > 0) {
            st = clamp(st, dim);
            en = clamp(en, dim);
            for (long i = st; i < en; i += step) {
                out.add(i);
            }
        } else {
            st = Math.max(0, Math.min(dim - 1, st));
            en = Math.max(-1, Math.min(dim - 1, en));
            for (long i = st; i > en; i += step) {
                out.add(i);
            }
        }
        if (out.isEmpty()) {
            throw bad(n, "an empty slice (start " + start + ", end " + end + ", step " + step + ") is not supported");
        }
        return out;
    }

    private static long clamp(long v, long dim) {
        return Math.max(0, Math.min(dim, v));
    }

    /** {@code value} times a constant, the constant declared as a [1] input whose value travels in the result. */
    private String scale(String value, double factor) {
        return op(null, "mul", value + ", " + constant(factor));
    }

    /** A scalar constant, declared as a [1] input whose value travels in the result. */
    private String constant(double value) {
        return syntheticInput(List.of(1L), new double[] {value});
    }

    /** An input the importer makes up (a constant), declared with its shape; its values travel in the result. */
    private String syntheticInput(List<Long> shape, double[] values) {
        String k = "_v" + (fresh++);
        ir.append("input ").append(k).append(": f32").append(shape).append('\n');
        synthetic.put(k, values);
        return k;
    }

    /** Appends {@code name = op(args)} to the IR and returns name (a fresh one when null). */
    private String op(String name, String op, String args) {
        String out = name != null ? name : "_v" + (fresh++);
        ir.append(out).append(" = ").append(op).append('(').append(args).append(")\n");
        return out;
    }

    /**
     * LayerNormalization over the axes from {@code axis} on: the normalised block is flattened to one row
     * per outer index so the IR's last-axis layer_norm does the work, and the optional Mean and InvStdDev
     * outputs (shape: the outer dims, then ones) are computed from the same rows.
     */
    private void layerNorm(OnnxModel.Node n) {
        List<String> in = n.inputs();
        List<Long> shape = shapeOf(in.get(0));
        int rank = shape.size();
        long axis = intAttr(n, "axis", -1);
        if (axis < -rank || axis >= rank) {
            throw bad(n, "axis " + axis + " is outside the input's rank " + rank);
        }
        int ax = (int) (axis < 0 ? axis + rank : axis);
        double eps = floatAttr(n, "epsilon", 1e-5);
        String mean = n.outputs().size() > 1 && !n.outputs().get(1).isEmpty() ? n.outputs().get(1) : null;
        String invStd = n.outputs().size() > 2 && !n.outputs().get(2).isEmpty() ? n.outputs().get(2) : null;
        String y = irName(n.outputs().get(0));
        boolean hasBias = in.size() > 2 && !in.get(2).isEmpty();
        if (ax == rank - 1 && mean == null && invStd == null) {
            emit(n, "layer_norm", hasBias ? in : in.subList(0, 2), "axis=-1, epsilon=" + eps);
            shapes.put(n.outputs().get(0), shape);
            return;
        }
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < rank; i++) {
            if (i < ax) {
                outer *= shape.get(i);
            } else {
                inner *= shape.get(i);
            }
        }
        List<String> params = new ArrayList<>();
        for (int i = 1; i < Math.min(3, in.size()); i++) {
            if (in.get(i).isEmpty()) {
                continue;
            }
            long count = 1;
            for (long d : shapeOf(in.get(i))) {
                count *= d;
            }
            if (count != inner) {
                throw bad(n, (i == 1 ? "Scale" : "B") + " has " + count + " elements; only the full normalised shape "
                        + shape.subList(ax, rank) + " (" + inner + " elements) is supported");
            }
            params.add(op(null, "reshape", irName(in.get(i)) + ", shape=[" + inner + "]"));
        }
        String rows = op(null, "reshape", irName(in.get(0)) + ", shape=[" + outer + ", " + inner + "]");
        String normed = op(null, "layer_norm", rows + ", " + String.join(", ", params) + ", axis=-1, epsilon=" + eps);
        op(y, "reshape", normed + ", shape=" + shape);
        shapes.put(n.outputs().get(0), shape);
        List<Long> statShape = new ArrayList<>(shape.subList(0, ax));
        for (int i = ax; i < rank; i++) {
            statShape.add(1L);
        }
        if (mean == null && invStd == null) {
            return;
        }
        String mu = op(null, "reduce_mean", rows);
        if (mean != null) {
            op(irName(mean), "reshape", mu + ", shape=" + statShape);
            shapes.put(mean, statShape);
        }
        if (invStd != null) {
            String d = op(null, "sub", rows + ", " + mu);
            String var = op(null, "reduce_mean", op(null, "mul", d + ", " + d));
            String sd = op(null, "sqrt", op(null, "add", var + ", " + constant(eps)));
            String inv = op(null, "div", constant(1) + ", " + sd);
            op(irName(invStd), "reshape", inv + ", shape=" + statShape);
            shapes.put(invStd, statShape);
        }
    }

    private List<Integer> shapeOf2(String irValue) {
        return IrParser.parse(ir + "output " + irValue + "\n", "import").type(irValue).shape();
    }

    /** The shape of a value so far: declared, or inferred by parsing the IR written up to here. */
    private List<Long> shapeOf(String onnx) {
        List<Long> s = shapes.get(onnx);
        if (s != null) {
            return s;
        }
        Graph partial = IrParser.parse(ir + "output " + irName(onnx) + "\n", "import");
        List<Long> out = new ArrayList<>();
        for (int d : partial.type(irName(onnx)).shape()) {
            out.add((long) d);
        }
        return out;
    }

    /** The axes of a reduction or (un)squeeze: the attribute (before opset 13/18) or the constant second input. */
    private List<Long> axesOf(OnnxModel.Node n) {
        List<Long> axes = new ArrayList<>();
        OnnxModel.Attribute a = n.attributes().get("axes");
        if (a != null) {
            axes.addAll(a.ints());
        }
        if (n.inputs().size() > 1 && !n.inputs().get(1).isEmpty()) {
            axes.addAll(constLongs(n, n.inputs().get(1)));
        }
        return axes;
    }

    private List<Long> constLongs(OnnxModel.Node n, String onnx) {
        OnnxModel.Tensor t = consts.get(onnx);
        if (t == null) {
            throw bad(n, "input '" + onnx + "' must be a constant (an initializer)");
        }
        List<Long> out = new ArrayList<>();
        for (double v : t.values()) {
            out.add((long) v);
        }
        return out;
    }
}

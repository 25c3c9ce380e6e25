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
 * ONNX (opset 13 and newer) to the vTPU IR. One converter per op in one switch; the whole graph is scanned
 * first and every unsupported op is reported, sorted, in one error. The IR is produced as text and parsed,
 * so its shape inference checks the import. Initializers become graph inputs whose values travel with the
 * result ({@link Result#constants()}).
 */
public final class OnnxImporter {
    /** The ops this importer claims (docs/ONNX.md lists what their conformance tests give). */
    public static final Set<String> SUPPORTED = Set.of("MatMul", "Gemm", "Add", "Sub", "Mul", "Div", "Relu", "Sigmoid", "Tanh",
            "Exp", "Sqrt", "Softmax", "LayerNormalization", "ReduceSum", "ReduceMean", "ReduceMax", "Transpose", "Reshape",
            "Concat", "Identity", "Unsqueeze", "Squeeze", "Cast", "Constant", "Slice", "Flatten", "Gelu");

    /**
     * @param irText the graph in IR text form
     * @param constants initializer values by IR name, to be fed as inputs
     * @param inputNames ONNX input name -> IR name; {@code outputNames} likewise
     */
    public record Result(Graph graph, String irText, Map<String, double[]> constants, Map<String, String> inputNames,
                         Map<String, String> outputNames) {
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
        if (model.opset() != 0 && model.opset() < 13) {
            throw new CompileException(file + ": opset " + model.opset() + "; the importer reads opset 13 and newer");
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
        for (OnnxModel.Node n : model.graph().nodes()) {
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
            ins.add(irName(i));
        }
        ir.append(irName(n.outputs().get(0))).append(" = ").append(op).append('(').append(String.join(", ", ins))
                .append(attrs.isEmpty() ? "" : (ins.isEmpty() ? "" : ", ") + attrs).append(")\n");
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
                String prod = "_v" + (fresh++);
                ir.append(prod).append(" = matmul(").append(irName(in.get(0))).append(", ").append(irName(in.get(1))).append(", ")
                        .append(t).append(")\n");
                String scaled = alpha == 1 ? prod : scale(prod, alpha);
                if (!bias) {
                    ir.append(out).append(" = reshape(").append(scaled).append(", shape=").append(shapeOf2(prod)).append(")\n");
                } else {
                    String c = beta == 1 ? irName(in.get(2)) : scale(irName(in.get(2)), beta);
                    ir.append(out).append(" = add(").append(scaled).append(", ").append(c).append(")\n");
                }
            }
            case "Add", "Sub", "Mul", "Div" -> {
                only(n);
                emit(n, n.opType().toLowerCase(java.util.Locale.ROOT), in, "");
            }
            case "Relu", "Sigmoid", "Tanh", "Exp", "Sqrt" -> {
                only(n);
                emit(n, n.opType().toLowerCase(java.util.Locale.ROOT), in, "");
            }
            case "Gelu" -> {
                only(n, "approximate");
                OnnxModel.Attribute ap = n.attributes().get("approximate");
                if (ap != null && ap.s() != null && !ap.s().equals("none")) {
                    throw bad(n, "approximate=" + ap.s() + " is not supported (the exact erf form is)");
                }
                emit(n, "gelu", in, "");
            }
            case "Identity" -> {
                only(n);
                emit(n, "reshape", in, "shape=" + shapeOf(in.get(0)));
            }
            case "Softmax" -> {
                only(n, "axis");
                List<Long> shape = shapeOf(in.get(0));
                int rank = shape.size();
                long axis = intAttr(n, "axis", -1);
                if (axis < 0) {
                    axis += rank;
                }
                if (axis == rank - 1) {
                    emit(n, "softmax", in, "axis=-1");
                    break;
                }
                // Softmax along another axis: swap it with the last, softmax, swap back.
                List<Integer> perm = new ArrayList<>();
                for (int i = 0; i < rank; i++) {
                    perm.add(i == axis ? rank - 1 : i == rank - 1 ? (int) axis : i);
                }
                String t = "_v" + (fresh++);
                String sm = "_v" + (fresh++);
                ir.append(t).append(" = transpose(").append(irName(in.get(0))).append(", perm=").append(perm).append(")\n");
                ir.append(sm).append(" = softmax(").append(t).append(")\n");
                ir.append(irName(n.outputs().get(0))).append(" = transpose(").append(sm).append(", perm=").append(perm).append(")\n");
            }
            case "LayerNormalization" -> {
                only(n, "axis", "epsilon", "stash_type");
                if (n.outputs().size() > 1 && n.outputs().subList(1, n.outputs().size()).stream().anyMatch(o -> !o.isEmpty())) {
                    throw bad(n, "the Mean and InvStdDev outputs are not supported");
                }
                emit(n, "layer_norm", in, "axis=" + intAttr(n, "axis", -1) + ", epsilon=" + floatAttr(n, "epsilon", 1e-5));
            }
            case "ReduceSum", "ReduceMean", "ReduceMax" -> {
                only(n, "axes", "keepdims", "noop_with_empty_axes");
                List<Long> axes = new ArrayList<>();
                OnnxModel.Attribute axesAttr = n.attributes().get("axes");
                if (axesAttr != null) {
                    axes.addAll(axesAttr.ints());
                }
                if (in.size() > 1 && !in.get(1).isEmpty()) {
                    axes.addAll(constLongs(n, in.get(1)));
                }
                String op = switch (n.opType()) {
                    case "ReduceSum" -> "reduce_sum";
                    case "ReduceMean" -> "reduce_mean";
                    default -> "reduce_max";
                };
                boolean keep = intAttr(n, "keepdims", 1) != 0;
                List<Long> shape = shapeOf(in.get(0));
                int rank = shape.size();
                boolean noop = intAttr(n, "noop_with_empty_axes", 0) != 0;
                if (axes.isEmpty() && noop) {
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
                // Reduce the trailing block of axes as one last axis: move the reduced axes to the end when they
                // are not there already, flatten them, reduce, and reshape to the ONNX result shape.
                boolean trailing = ax.last() == rank - 1 && ax.first() == rank - ax.size();
                String src = irName(in.get(0));
                if (!trailing) {
                    List<Integer> perm = new ArrayList<>();
                    for (int a = 0; a < rank; a++) {
                        if (!ax.contains(a)) {
                            perm.add(a);
                        }
                    }
                    perm.addAll(ax);
                    String t = "_v" + (fresh++);
                    ir.append(t).append(" = transpose(").append(src).append(", perm=").append(perm).append(")\n");
                    src = t;
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
                String flat = "_v" + (fresh++);
                ir.append(flat).append(" = reshape(").append(src).append(", shape=[").append(kept).append(", ").append(reduced).append("])\n");
                String red = "_v" + (fresh++);
                ir.append(red).append(" = ").append(op).append("(").append(flat).append(")\n");
                ir.append(irName(n.outputs().get(0))).append(" = reshape(").append(red).append(", shape=").append(outShape).append(")\n");
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
                List<Long> axes = new ArrayList<>();
                OnnxModel.Attribute axesAttr = n.attributes().get("axes");
                if (axesAttr != null) {
                    axes.addAll(axesAttr.ints());
                }
                if (in.size() > 1 && !in.get(1).isEmpty()) {
                    axes.addAll(constLongs(n, in.get(1)));
                }
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
                if (in.size() > 4 && !in.get(4).isEmpty() && constLongs(n, in.get(4)).stream().anyMatch(x -> x != 1)) {
                    throw bad(n, "steps other than 1 are not supported");
                }
                String cur = irName(in.get(0));
                List<Long> shape = new ArrayList<>(src);
                for (int i = 0; i < axes.size(); i++) {
                    int axis = (int) (axes.get(i) < 0 ? axes.get(i) + src.size() : axes.get(i));
                    long dim = shape.get(axis);
                    long st = clamp(starts.get(i) < 0 ? starts.get(i) + dim : starts.get(i), dim);
                    long en = clamp(ends.get(i) < 0 ? ends.get(i) + dim : ends.get(i), dim);
                    if (en <= st) {
                        throw bad(n, "an empty slice along axis " + axis + " is not supported");
                    }
                    String next = i == axes.size() - 1 ? irName(n.outputs().get(0)) : "_v" + (fresh++);
                    ir.append(next).append(" = slice(").append(cur).append(", axis=").append(axis).append(", start=").append(st)
                            .append(", end=").append(en).append(")\n");
                    shape.set(axis, en - st);
                    cur = next;
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

    private static long clamp(long v, long dim) {
        return Math.max(0, Math.min(dim, v));
    }

    /** {@code value} times a constant, the constant declared as a [1] input whose value travels in the result. */
    private String scale(String value, double factor) {
        String k = "_v" + (fresh++);
        ir.append("input ").append(k).append(": f32[1]\n");
        synthetic.put(k, new double[] {factor});
        String out = "_v" + (fresh++);
        ir.append(out).append(" = mul(").append(value).append(", ").append(k).append(")\n");
        return out;
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

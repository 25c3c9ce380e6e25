package ai.vtpu.phextcc.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RMS normalisation as exporters spell it in primitives, recognised so it compiles to one {@code rms_norm}
 * (one pass over the rows instead of seven dependent elementwise ops):
 * {@code Mul(Mul(x, inv), gamma)} or {@code Mul(x, inv)}, where {@code inv} is {@code Div(1, r)} or
 * {@code Reciprocal(r)}, {@code r = Sqrt(Add(ReduceMean(sq, last axis, keepdims), eps))} and {@code sq} is
 * {@code Mul(x, x)} or {@code Pow(x, 2)}. Every intermediate must have exactly one use and not be a graph
 * output; the constants (1, 2, eps) must be known at import.
 */
final class RmsNormPattern {
    /**
     * A match: the node whose output the rms_norm writes, its input, optional scale, epsilon, the reduced
     * axis as written, and the nodes it replaces. Shapes are checked by the importer when it reaches the
     * anchor ({@link #fits}); until then the match is a candidate.
     */
    record Match(OnnxModel.Node anchor, String x, String gamma, double eps, long axis, Set<OnnxModel.Node> absorbed) {
        /** The reduced axis is x's last, and the scale (if any) is one row of x's width. */
        boolean fits(List<Long> xShape, List<Long> gammaShape) {
            int r = xShape.size();
            return r >= 2 && (axis == -1 || axis == r - 1)
                    && (gamma == null || gammaShape != null && gammaShape.size() == 1 && gammaShape.get(0).equals(xShape.get(r - 1)));
        }
    }

    private final Map<String, OnnxModel.Node> producer = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Map<String, OnnxModel.Tensor> consts;

    RmsNormPattern(OnnxModel.Graph g, Map<String, OnnxModel.Tensor> known) {
        this.consts = new HashMap<>(known);
        for (OnnxModel.Node n : g.nodes()) {
            OnnxModel.Attribute v = n.attributes().get("value");
            if (n.opType().equals("Constant") && v != null && v.t() != null) {
                consts.put(n.outputs().get(0), v.t());
            }
        }
        for (OnnxModel.Node n : g.nodes()) {
            n.outputs().forEach(o -> producer.put(o, n));
            n.inputs().forEach(i -> uses.merge(i, 1, Integer::sum));
        }
        g.outputs().forEach(o -> uses.merge(o.name(), 2, Integer::sum)); // an output is never absorbed
    }

    private OnnxModel.Node single(String value, String op) {
        OnnxModel.Node n = producer.get(value);
        return n != null && n.opType().equals(op) && uses.getOrDefault(value, 0) == 1 ? n : null;
    }

    private Double scalar(String value) {
        OnnxModel.Tensor t = consts.get(value);
        // rank <= 1 only: a [1, 1, 1] constant would broadcast x up to its rank, which rms_norm does not
        return t != null && t.values().length == 1 && t.dims().size() <= 1 ? t.values()[0] : null;
    }

    /** The match anchored at {@code n} (the last Mul), or null. */
    Match at(OnnxModel.Node n) {
        if (!n.opType().equals("Mul") || n.inputs().size() != 2) {
            return null;
        }
        for (int side = 0; side < 2; side++) {
            Match m = core(n, n.inputs().get(side), n.inputs().get(1 - side));
            if (m != null) {
                return m;
            }
        }
        // Mul(core, gamma) with gamma a row of the normalised width
        for (int side = 0; side < 2; side++) {
            OnnxModel.Node inner = single(n.inputs().get(side), "Mul");
            String gamma = n.inputs().get(1 - side);
            if (inner == null) {
                continue;
            }
            for (int s2 = 0; s2 < 2; s2++) {
                Match m = core(inner, inner.inputs().get(s2), inner.inputs().get(1 - s2));
                if (m != null) {
                    java.util.Set<OnnxModel.Node> absorbed = new java.util.HashSet<>(m.absorbed());
                    absorbed.add(inner);
                    return new Match(n, m.x(), gamma, m.eps(), m.axis(), absorbed);
                }
            }
        }
        return null;
    }

    /** {@code mul = Mul(x, inv)} with inv = 1 / sqrt(mean(x²) + eps) over the last axis of x. */
    private Match core(OnnxModel.Node mul, String x, String invName) {
        OnnxModel.Node inv = single(invName, "Div");
        String rName;
        if (inv != null) {
            Double one = scalar(inv.inputs().get(0));
            if (one == null || one != 1.0) {
                return null;
            }
            rName = inv.inputs().get(1);
        } else {
            inv = single(invName, "Reciprocal");
            if (inv == null) {
                return null;
            }
            rName = inv.inputs().get(0);
        }
        OnnxModel.Node sqrt = single(rName, "Sqrt");
        OnnxModel.Node add = sqrt == null ? null : single(sqrt.inputs().get(0), "Add");
        if (add == null) {
            return null;
        }
        for (int side = 0; side < 2; side++) {
            Double eps = scalar(add.inputs().get(1 - side));
            OnnxModel.Node mean = single(add.inputs().get(side), "ReduceMean");
            Long axis = mean == null ? null : singleAxisKeepDims(mean);
            if (eps == null || axis == null) {
                continue;
            }
            OnnxModel.Node sq = single(mean.inputs().get(0), "Mul");
            boolean squares = sq != null && sq.inputs().get(0).equals(x) && sq.inputs().get(1).equals(x);
            if (!squares) {
                sq = single(mean.inputs().get(0), "Pow");
                Double two = sq == null ? null : scalar(sq.inputs().get(1));
                squares = sq != null && sq.inputs().get(0).equals(x) && two != null && two == 2.0;
            }
            if (squares) {
                return new Match(mul, x, null, eps, axis, Set.of(inv, sqrt, add, mean, sq));
            }
        }
        return null;
    }

    /** The one axis a ReduceMean with keepdims reduces, or null. */
    private Long singleAxisKeepDims(OnnxModel.Node mean) {
        OnnxModel.Attribute keep = mean.attributes().get("keepdims");
        if (keep != null && keep.i() == 0) {
            return null;
        }
        List<Long> axes = new java.util.ArrayList<>();
        OnnxModel.Attribute a = mean.attributes().get("axes");
        if (a != null) {
            axes.addAll(a.ints());
        }
        if (mean.inputs().size() > 1 && !mean.inputs().get(1).isEmpty()) {
            OnnxModel.Tensor t = consts.get(mean.inputs().get(1));
            if (t == null) {
                return null;
            }
            for (double v : t.values()) {
                axes.add((long) v);
            }
        }
        return axes.size() == 1 ? axes.get(0) : null;
    }
}

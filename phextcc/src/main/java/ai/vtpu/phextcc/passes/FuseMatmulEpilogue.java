package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.OpKind;
import ai.vtpu.phextcc.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fuses a matmul with what follows it while the result is still in registers: {@code matmul + add(bias)}
 * becomes {@code gemm}, an activation (relu, gelu, silu, sigmoid, tanh) applied to a matmul or gemm becomes
 * its {@code activation} attribute, and then one elementwise add, sub, mul or div with another value of at
 * most the result's shape (a residual, a gate, a scale) becomes its {@code epilogue} with that value as the
 * last input. Applies only where the intermediate has no other use and is not a graph output, so no value
 * the program must produce disappears.
 */
public final class FuseMatmulEpilogue implements Pass {
    private static final Set<OpKind> ACTIVATIONS = Set.of(OpKind.RELU, OpKind.GELU, OpKind.SILU, OpKind.SIGMOID, OpKind.TANH);

    @Override
    public String name() {
        return "fuse-matmul-epilogue";
    }

    @Override
    public int minOptLevel() {
        return 1;
    }

    @Override
    public Graph run(Graph g) {
        return Pass.toFixpoint(g, this::tryFuse);
    }

    private static boolean isBias(TensorType bias, TensorType out) {
        return bias.rank() <= 2 && (bias.cols() == out.cols() || bias.cols() == 1)
                && (bias.rank() < 2 || bias.rows() == 1 || bias.rows() == out.rows());
    }

    private Graph tryFuse(Graph g, Node n) {
        if (n.inputs().isEmpty()) {
            return g;
        }
        Node fused = null;
        Node producer = fusable(g, n.inputs().get(0));
        if (producer != null && !producer.attrs().containsKey("activation")) {
            // gemm is 2-D; a batched product takes its bias as an epilogue (below).
            if (n.op() == OpKind.ADD && producer.op() == OpKind.MATMUL && isBias(g.type(n.inputs().get(1)), producer.type())
                    && !n.inputs().get(1).equals(producer.name()) && g.type(producer.inputs().get(0)).rank() == 2
                    && g.type(producer.inputs().get(1)).rank() == 2) {
                List<String> ins = new ArrayList<>(producer.inputs());
                ins.add(n.inputs().get(1));
                fused = new Node(n.name(), OpKind.GEMM, ins, producer.attrs(), n.type(), n.line(), n.column());
            } else if (ACTIVATIONS.contains(n.op())) {
                Map<String, Object> attrs = new HashMap<>(producer.attrs());
                attrs.put("activation", n.op().label());
                fused = new Node(n.name(), producer.op(), producer.inputs(), attrs, n.type(), n.line(), n.column());
            }
        }
        if (fused == null && n.inputs().size() == 2 && OpKind.EPILOGUES.contains(n.op().label())) {
            // An elementwise op on the result and another value: the product's side may be either for add and
            // mul, only the first for sub and div. The other value must not widen the result.
            boolean commutes = n.op() == OpKind.ADD || n.op() == OpKind.MUL;
            for (int side = 0; side < (commutes ? 2 : 1) && fused == null; side++) {
                producer = fusable(g, n.inputs().get(side));
                String other = n.inputs().get(1 - side);
                if (producer != null && !other.equals(producer.name()) && n.type().equals(producer.type())) {
                    Map<String, Object> attrs = new HashMap<>(producer.attrs());
                    attrs.put("epilogue", n.op().label());
                    List<String> ins = new ArrayList<>(producer.inputs());
                    ins.add(other);
                    fused = new Node(n.name(), producer.op(), ins, attrs, n.type(), n.line(), n.column());
                }
            }
        }
        if (fused == null) {
            return g;
        }
        List<Node> nodes = new ArrayList<>();
        for (Node m : g.nodes()) {
            if (m == producer) {
                continue;
            }
            nodes.add(m == n ? fused : m);
        }
        return g.withNodes(nodes);
    }

    /** The matmul or gemm producing {@code value}, if its result may be fused away: one use, no epilogue yet. */
    private static Node fusable(Graph g, String value) {
        Node p = g.node(value);
        if (p == null || (p.op() != OpKind.MATMUL && p.op() != OpKind.GEMM) || p.attrs().containsKey("epilogue")
                || g.uses(p.name()) != 1) {
            return null;
        }
        return p;
    }
}

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
 * becomes {@code gemm}, and an activation (relu, gelu, silu, sigmoid, tanh) applied to a matmul or gemm
 * becomes its {@code activation} attribute. Applies only where the intermediate has no other use and is not
 * a graph output, so no value the program must produce disappears.
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
        Node producer = g.node(n.inputs().get(0));
        if (producer == null || (producer.op() != OpKind.MATMUL && producer.op() != OpKind.GEMM)
                || producer.attrs().containsKey("activation") || g.uses(producer.name()) != 1) {
            return g;
        }
        Node fused;
        if (n.op() == OpKind.ADD && producer.op() == OpKind.MATMUL && isBias(g.type(n.inputs().get(1)), producer.type())
                && !n.inputs().get(1).equals(producer.name())) {
            List<String> ins = new ArrayList<>(producer.inputs());
            ins.add(n.inputs().get(1));
            fused = new Node(n.name(), OpKind.GEMM, ins, producer.attrs(), n.type(), n.line(), n.column());
        } else if (ACTIVATIONS.contains(n.op())) {
            Map<String, Object> attrs = new HashMap<>(producer.attrs());
            attrs.put("activation", n.op().label());
            fused = new Node(n.name(), producer.op(), producer.inputs(), attrs, n.type(), n.line(), n.column());
        } else {
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
}

package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.OpKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds what exporters spell out in primitives into one node, so no intermediate goes through memory:
 * {@code mul(a, sigmoid(a))} becomes {@code silu(a)} (which the epilogue fusion then moves into a matmul), and
 * a transpose that swaps the last two axes of a matmul's right operand becomes the matmul's
 * {@code transpose_b}. Applies only where the folded intermediate has no other use and is not an output.
 */
public final class FoldPatterns implements Pass {
    @Override
    public String name() {
        return "fold-patterns";
    }

    @Override
    public int minOptLevel() {
        return 1;
    }

    @Override
    public Graph run(Graph g) {
        return Pass.toFixpoint(g, FoldPatterns::tryFold);
    }

    private static Graph tryFold(Graph g, Node n) {
        if (n.op() == OpKind.MUL) {
            for (int i = 0; i < 2; i++) {
                Node s = g.node(n.inputs().get(i));
                String other = n.inputs().get(1 - i);
                if (s != null && s.op() == OpKind.SIGMOID && s.inputs().get(0).equals(other) && g.uses(s.name()) == 1
                        && g.type(other).equals(n.type())) {
                    return replace(g, s, new Node(n.name(), OpKind.SILU, List.of(other), Map.of(), n.type(), n.line(), n.column()));
                }
            }
        }
        if ((n.op() == OpKind.MATMUL || n.op() == OpKind.GEMM) && !n.inputs().get(0).equals(n.inputs().get(1))) {
            Node t = g.node(n.inputs().get(1));
            if (t != null && t.op() == OpKind.TRANSPOSE && g.uses(t.name()) == 1 && swapsLastTwo(t, g)) {
                List<String> ins = new ArrayList<>(n.inputs());
                ins.set(1, t.inputs().get(0));
                Map<String, Object> attrs = new HashMap<>(n.attrs());
                attrs.put("transpose_b", !n.flag("transpose_b"));
                return replace(g, t, new Node(n.name(), n.op(), ins, attrs, n.type(), n.line(), n.column()));
            }
        }
        return g;
    }

    /** perm is the identity on the leading axes and swaps the last two (the default perm does so at rank 2). */
    private static boolean swapsLastTwo(Node t, Graph g) {
        int r = g.type(t.inputs().get(0)).rank();
        if (r < 2) {
            return false;
        }
        List<Integer> perm = t.ints("perm");
        if (perm == null) {
            return r == 2;
        }
        for (int a = 0; a < r - 2; a++) {
            if (perm.get(a) != a) {
                return false;
            }
        }
        return perm.get(r - 2) == r - 1 && perm.get(r - 1) == r - 2;
    }

    /** Drops {@code removed} and puts {@code folded} where the node of the same name was. */
    private static Graph replace(Graph g, Node removed, Node folded) {
        List<Node> nodes = new ArrayList<>();
        for (Node m : g.nodes()) {
            if (m == removed) {
                continue;
            }
            nodes.add(m.name().equals(folded.name()) ? folded : m);
        }
        return g.withNodes(nodes);
    }
}

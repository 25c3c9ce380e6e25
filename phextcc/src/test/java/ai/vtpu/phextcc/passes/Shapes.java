package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import ai.vtpu.phextcc.ir.Node;

/** The pass tests' view of a graph: parsed from a header plus body, printed as one line per node. */
final class Shapes {
    private Shapes() {
    }

    static Graph parse(String head, String body) {
        return IrParser.parse(head + body, "g.ir");
    }

    /** {@code name=op[inputs]} per node, with {@code ^T} for transpose_b, {@code +act} for an activation, {@code then op} for an epilogue. */
    static String of(Graph g) {
        StringBuilder sb = new StringBuilder();
        for (Node n : g.nodes()) {
            sb.append(n.name()).append('=').append(n.op().label()).append(n.inputs())
                    .append(n.flag("transpose_b") ? "^T" : "")
                    .append(n.attrs().containsKey("activation") ? "+" + n.attrs().get("activation") : "")
                    .append(n.attrs().containsKey("epilogue") ? " then " + n.attrs().get("epilogue") : "").append(';');
        }
        return sb.toString();
    }
}

package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import java.util.function.BiFunction;

/** A graph-to-graph pass: its name, the lowest tier that runs it, and the rewrite. */
public interface Pass {
    String name();

    int minOptLevel();

    /** Returns the rewritten graph (the same object when nothing applied). */
    Graph run(Graph g);

    /**
     * Applies a local rewrite until nothing changes: {@code step} gets the graph and one node and returns a
     * new graph when it rewrote something there, the same graph otherwise; after each rewrite the scan
     * starts again from the first node.
     */
    static Graph toFixpoint(Graph g, BiFunction<Graph, Node, Graph> step) {
        Graph cur = g;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Node n : cur.nodes()) {
                Graph next = step.apply(cur, n);
                if (next != cur) {
                    cur = next;
                    changed = true;
                    break;
                }
            }
        }
        return cur;
    }
}

package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.ir.Graph;

/** A graph-to-graph pass: its name, the lowest tier that runs it, and the rewrite. */
public interface Pass {
    String name();

    int minOptLevel();

    /** Returns the rewritten graph (the same object when nothing applied). */
    Graph run(Graph g);
}

package ai.vtpu.phextcc;

import ai.vtpu.phextcc.ir.Graph;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Marks inputs to be divided along their first axis (the batch) among the sentrons: split=rows, said from outside the graph. */
public final class Splits {
    private Splits() {
    }

    /**
     * @param names inputs to split, by IR name or by the model's own name ({@code modelNames} maps those to IR names)
     * @param weights inputs that are weights, which cannot be split
     */
    public static Graph apply(Graph g, Collection<String> names, Set<String> weights, Map<String, String> modelNames) {
        Set<String> all = new HashSet<>(g.splitInputs());
        List<String> candidates = g.inputs().keySet().stream().filter(k -> !weights.contains(k)).sorted().toList();
        for (String s : names) {
            String name = modelNames.getOrDefault(s, s);
            if (!candidates.contains(name)) {
                throw new CompileException("split " + s + ": the graph has no such input (its inputs: " + candidates + ")");
            }
            if (g.inputs().get(name).rank() < 2) {
                throw new CompileException("split " + s + ": only an input of rank 2 to 4 can be split along its first axis; it is "
                        + g.inputs().get(name));
            }
            all.add(name);
        }
        return new Graph(g.name(), g.inputs(), g.nodes(), g.outputs(), all);
    }
}

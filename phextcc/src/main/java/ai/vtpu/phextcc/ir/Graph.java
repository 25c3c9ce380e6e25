package ai.vtpu.phextcc.ir;

import ai.vtpu.phextcc.CompileException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A typed tensor graph: named inputs (some split by rows across sentrons), nodes in a topological order,
 * named outputs (docs/IR.md).
 */
public record Graph(String name, Map<String, TensorType> inputs, List<Node> nodes, List<String> outputs, java.util.Set<String> splitInputs) {
    public Graph {
        inputs = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
        nodes = List.copyOf(nodes);
        outputs = List.copyOf(outputs);
        splitInputs = java.util.Set.copyOf(splitInputs);
    }

    public Graph(String name, Map<String, TensorType> inputs, List<Node> nodes, List<String> outputs) {
        this(name, inputs, nodes, outputs, java.util.Set.of());
    }

    /** The same graph with other nodes (for passes). */
    public Graph withNodes(List<Node> newNodes) {
        return new Graph(name, inputs, newNodes, outputs, splitInputs);
    }

    /** The type of any value: an input or a node's output. */
    public TensorType type(String value) {
        TensorType t = inputs.get(value);
        if (t != null) {
            return t;
        }
        for (Node n : nodes) {
            if (n.name().equals(value)) {
                return n.type();
            }
        }
        throw new CompileException("no value named '" + value + "' in graph " + name);
    }

    public Node node(String value) {
        for (Node n : nodes) {
            if (n.name().equals(value)) {
                return n;
            }
        }
        return null;
    }

    /** How many nodes read a value, plus one when it is an output. */
    public int uses(String value) {
        int u = outputs.contains(value) ? 1 : 0;
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (in.equals(value)) {
                    u++;
                }
            }
        }
        return u;
    }
}

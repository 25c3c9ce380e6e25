package ai.vtpu.phextcc.ir;

import java.util.List;
import java.util.Map;

/**
 * One operation of the graph: {@code name = op(inputs..., attrs...)}, with its inferred output type and
 * where it was written.
 */
public record Node(String name, OpKind op, List<String> inputs, Map<String, Object> attrs, TensorType type, int line, int column) {
    public Node {
        inputs = List.copyOf(inputs);
        attrs = Map.copyOf(attrs);
    }

    public boolean flag(String attr) {
        return Boolean.TRUE.equals(attrs.get(attr));
    }

    public double number(String attr, double fallback) {
        Object v = attrs.get(attr);
        return v instanceof Number n ? n.doubleValue() : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<Integer> ints(String attr) {
        Object v = attrs.get(attr);
        return v instanceof List<?> l ? (List<Integer>) l : null;
    }

    public String where() {
        return "node '" + name + "' (" + op.label() + ") at line " + line + ", column " + column;
    }
}

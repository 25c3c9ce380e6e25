package ai.vtpu.phextcc.ir;

import ai.vtpu.isa.siw.DType;
import ai.vtpu.phextcc.CompileException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the IR text form (docs/IR.md). Statements may come in any order; the parser sorts the nodes
 * topologically and reports a cycle by the nodes on it. Every error names {@code file:line:column}.
 */
public final class IrParser {
    private final String file;
    private final String text;
    private int pos;
    private int line = 1;
    private int lineStart;

    private IrParser(String text, String file) {
        this.text = text;
        this.file = file;
    }

    public static Graph parse(String text, String file) {
        return new IrParser(text, file).graph();
    }

    /** A node before its type is known. */
    private record Raw(String name, String op, List<String> inputs, List<int[]> inputPos, Map<String, Object> attrs, int line, int col) {
    }

    private CompileException error(int l, int c, String what) {
        return new CompileException(file + ":" + l + ":" + c + ": " + what);
    }

    private CompileException error(String what) {
        return error(line, pos - lineStart + 1, what);
    }

    private void skipSpaces() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\r') {
                pos++;
            } else if (c == '#') {
                while (pos < text.length() && text.charAt(pos) != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private boolean atLineEnd() {
        skipSpaces();
        return pos >= text.length() || text.charAt(pos) == '\n';
    }

    private void endLine() {
        if (!atLineEnd()) {
            throw error("expected the end of the line, found '" + rest() + "'");
        }
        if (pos < text.length()) {
            pos++;
            line++;
            lineStart = pos;
        }
    }

    private String rest() {
        int e = text.indexOf('\n', pos);
        return text.substring(pos, e < 0 ? text.length() : e).strip();
    }

    private String ident(String what) {
        skipSpaces();
        int s = pos;
        while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
            pos++;
        }
        if (s == pos || Character.isDigit(text.charAt(s))) {
            pos = s;
            throw error("expected " + what + ", found '" + (pos < text.length() ? rest() : "end of file") + "'");
        }
        return text.substring(s, pos);
    }

    private void expect(char c) {
        skipSpaces();
        if (pos >= text.length() || text.charAt(pos) != c) {
            throw error("expected '" + c + "', found '" + (pos < text.length() ? rest() : "end of file") + "'");
        }
        pos++;
    }

    private boolean accept(char c) {
        skipSpaces();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private Object value() {
        skipSpaces();
        if (accept('[')) {
            List<Object> items = new ArrayList<>();
            if (!accept(']')) {
                do {
                    items.add(value());
                } while (accept(','));
                expect(']');
            }
            return items;
        }
        int s = pos;
        while (pos < text.length() && "+-.0123456789eE_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
        String t = text.substring(s, pos);
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            return t;
        }
        try {
            if (t.matches("[+-]?[0-9]+")) {
                return Integer.parseInt(t);
            }
            if (t.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
                return Double.parseDouble(t);
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        pos = s;
        throw error("expected a number, true, false, a name or a list like [1, 0], found '" + rest() + "'");
    }

    private TensorType type() {
        skipSpaces();
        int c = pos - lineStart + 1;
        String dt = ident("a dtype such as f32");
        DType dtype = DType.ofLabel(dt);
        if (dtype == null) {
            throw error(line, c, "unknown dtype '" + dt + "', expected f32, bf16, f16, i32 or i8");
        }
        expect('[');
        List<Integer> dims = new ArrayList<>();
        if (!accept(']')) {
            do {
                Object v = value();
                if (!(v instanceof Integer d) || d < 1) {
                    throw error("expected a dimension >= 1, found " + v);
                }
                dims.add(d);
            } while (accept(','));
            expect(']');
        }
        if (dims.isEmpty()) {
            throw error(line, c, "a tensor needs at least one dimension ([1] for a scalar)");
        }
        return new TensorType(dtype, dims);
    }

    private Graph graph() {
        String name = null;
        Map<String, TensorType> inputs = new LinkedHashMap<>();
        Map<String, int[]> defined = new HashMap<>();
        List<Raw> raws = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        List<int[]> outputPos = new ArrayList<>();
        Set<String> split = new HashSet<>();
        while (pos < text.length()) {
            if (atLineEnd()) {
                endLine();
                continue;
            }
            int col = pos - lineStart + 1;
            String word = ident("a statement (graph, input, output or NAME = op(...))");
            switch (word) {
                case "graph" -> {
                    if (name != null) {
                        throw error(line, col, "a file holds one graph; 'graph' appears twice");
                    }
                    name = ident("the graph's name");
                }
                case "input" -> {
                    int c = pos - lineStart + 1;
                    String v = ident("the input's name");
                    define(defined, v, line, c + 1);
                    expect(':');
                    inputs.put(v, type());
                    if (!atLineEnd()) {
                        int sc = pos - lineStart + 1;
                        String word2 = ident("'split=rows' or the end of the line");
                        expect('=');
                        Object how = value();
                        if (!word2.equals("split") || !"rows".equals(how)) {
                            throw error(line, sc, "expected 'split=rows' after the input's type");
                        }
                        if (inputs.get(v).rank() < 2) {
                            throw error(line, sc, "only an input of rank 2 to 4 can be split along its first axis");
                        }
                        split.add(v);
                    }
                }
                case "output" -> {
                    do {
                        skipSpaces();
                        outputPos.add(new int[] {line, pos - lineStart + 1});
                        outputs.add(ident("an output's name"));
                    } while (accept(','));
                }
                default -> {
                    expect('=');
                    define(defined, word, line, col);
                    int opCol = pos - lineStart + 1;
                    skipSpaces();
                    opCol = pos - lineStart + 1;
                    String op = ident("an op name");
                    expect('(');
                    List<String> args = new ArrayList<>();
                    List<int[]> argPos = new ArrayList<>();
                    Map<String, Object> attrs = new LinkedHashMap<>();
                    if (!accept(')')) {
                        do {
                            skipSpaces();
                            int ac = pos - lineStart + 1;
                            String id = ident("an input name or attribute");
                            if (accept('=')) {
                                if (attrs.put(id, value()) != null) {
                                    throw error(line, ac, "attribute '" + id + "' is given twice");
                                }
                            } else {
                                if (!attrs.isEmpty()) {
                                    throw error(line, ac, "inputs come before attributes");
                                }
                                args.add(id);
                                argPos.add(new int[] {line, ac});
                            }
                        } while (accept(','));
                        expect(')');
                    }
                    raws.add(new Raw(word, op, args, argPos, attrs, line, opCol));
                }
            }
            endLine();
        }
        if (name == null) {
            throw error(1, 1, "the file has no 'graph NAME' statement");
        }
        if (outputs.isEmpty()) {
            throw error(line, 1, "the graph has no 'output' statement");
        }
        List<Node> nodes = sortAndType(raws, inputs);
        for (int i = 0; i < outputs.size(); i++) {
            String o = outputs.get(i);
            if (!defined.containsKey(o)) {
                throw error(outputPos.get(i)[0], outputPos.get(i)[1], "output '" + o + "' is not defined");
            }
        }
        return new Graph(name, inputs, nodes, outputs, split);
    }

    private void define(Map<String, int[]> defined, String v, int l, int c) {
        int[] prev = defined.putIfAbsent(v, new int[] {l, c});
        if (prev != null) {
            throw error(l, c, "'" + v + "' is already defined at line " + prev[0]);
        }
    }

    /** Orders the nodes so every input is defined first, reporting undefined names and cycles. */
    private List<Node> sortAndType(List<Raw> raws, Map<String, TensorType> inputs) {
        Map<String, Raw> byName = new HashMap<>();
        for (Raw r : raws) {
            byName.put(r.name(), r);
        }
        for (Raw r : raws) {
            for (int i = 0; i < r.inputs().size(); i++) {
                String in = r.inputs().get(i);
                if (!byName.containsKey(in) && !inputs.containsKey(in)) {
                    int[] p = r.inputPos().get(i);
                    throw error(p[0], p[1], "node '" + r.name() + "': input '" + in + "' is not defined (declare it with 'input "
                            + in + ": f32[...]' or compute it)");
                }
            }
        }
        Map<String, TensorType> types = new HashMap<>(inputs);
        List<Node> out = new ArrayList<>();
        Set<String> visiting = new HashSet<>();
        for (Raw r : raws) {
            visit(r, byName, types, visiting, new ArrayList<>(), out);
        }
        return out;
    }

    private void visit(Raw r, Map<String, Raw> byName, Map<String, TensorType> types, Set<String> visiting, List<String> path,
                       List<Node> out) {
        if (types.containsKey(r.name())) {
            return;
        }
        if (!visiting.add(r.name())) {
            int from = path.indexOf(r.name());
            List<String> cycle = new ArrayList<>(path.subList(from, path.size()));
            cycle.add(r.name());
            throw error(r.line(), r.col(), "node '" + r.name() + "' is on a cycle: " + String.join(" -> ", cycle));
        }
        path.add(r.name());
        for (String in : r.inputs()) {
            Raw dep = byName.get(in);
            if (dep != null) {
                visit(dep, byName, types, visiting, path, out);
            }
        }
        path.remove(path.size() - 1);
        OpKind op = OpKind.ofLabel(r.op());
        String where = file + ":" + r.line() + ":" + r.col() + ": node '" + r.name() + "' (" + r.op() + ")";
        if (op == null) {
            throw new CompileException(where + ": unknown op; expected one of " + java.util.Arrays.stream(OpKind.values())
                    .map(OpKind::label).toList());
        }
        List<TensorType> in = new ArrayList<>();
        for (String i : r.inputs()) {
            in.add(types.get(i));
        }
        TensorType t = op.infer(in, r.attrs(), where);
        types.put(r.name(), t);
        out.add(new Node(r.name(), op, r.inputs(), r.attrs(), t, r.line(), r.col()));
    }
}

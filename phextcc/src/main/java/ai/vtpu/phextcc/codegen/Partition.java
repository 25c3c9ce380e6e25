package ai.vtpu.phextcc.codegen;

import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.OpKind;
import ai.vtpu.phextcc.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Data-parallel partitioning over N sentrons: inputs declared {@code split=rows} are divided along their
 * first axis (each sentron holds ⌈d0/N⌉ of it: rows of a matrix, split=rows in the program; whole matrices
 * of a rank-3 or rank-4 value, split=pages; docs/ISA.md §5.2), and every value computed independently per
 * index of that axis is split the same way. A split 2-D right operand of a matmul is all-gathered
 * (ALLGATHER) into a whole copy on every sentron; batched operands split alike need nothing. Other ops that would mix rows of a split value (a transpose, a reshape, a row slice or
 * concat) would need collectives that are not generated yet: they are an error naming the node. The result
 * gives each value's type as one sentron sees it.
 */
final class Partition {
    private Partition() {
    }

    static final class Result {
        /** Split along the rows of every page (split=rows in the program for every rank), not along the batch. */
        boolean byPageRows;
        final Set<String> split = new HashSet<>();
        final Map<String, TensorType> local = new HashMap<>();
        /** Split values some node needs whole: each is all-gathered into a value of its own, named here. */
        final Map<String, String> gathered = new java.util.LinkedHashMap<>();
    }

    /** Whether a slice or concat works along the split (first) axis. */
    private static boolean rowsAxis(Node n, TensorType t) {
        int axis = (int) n.number("axis", t.rank() - 1);
        return (axis < 0 ? axis + t.rank() : axis) == 0;
    }

    /** A transpose keeps the split axis first; a reshape keeps its length as the first dim. */
    private static boolean keepsFirstAxis(Node n, TensorType in) {
        if (n.op() == OpKind.RESHAPE) {
            return in.rank() >= 3 && n.type().rank() >= 2 && n.type().dim(0) == in.dim(0);
        }
        List<Integer> perm = n.ints("perm");
        return in.rank() >= 3 && perm != null && perm.get(0) == 0;
    }

    /**
     * The partition for {@code sentrons}: along the batch (the first axis), except when a split input of rank 3
     * or more has fewer batch entries than there are sentrons (a batch of one sequence) and every node works
     * row by row: then along the rows of every page (each sentron takes ⌈rows/N⌉ rows of each sequence), so
     * that every sentron has work. A graph that mixes rows (attention) keeps the batch partition.
     */
    static Result choose(Graph g, int sentrons) {
        boolean smallBatch = sentrons > 1 && g.splitInputs().stream().map(g::type)
                .anyMatch(t -> t.rank() >= 3 && t.dim(0) < sentrons);
        if (smallBatch) {
            try {
                return byPageRows(g, sentrons);
            } catch (CompileException rowsMix) {
                // some node needs whole sequences: divide the batch
            }
        }
        return of(g, sentrons);
    }

    /**
     * Every split value divided along its row axis (the second-to-last); allowed only for nodes that work
     * row by row: elementwise ops, activations, softmax and norms over the last axis, reductions over it that
     * keep it, and matmuls whose left operand is split. A split right operand of one page (attention's k and
     * v) is all-gathered into a whole copy on every sentron. An operand that is not split must not span the
     * rows (a bias row, a scale, a weight matrix as the right operand).
     */
    static Result byPageRows(Graph g, int sentrons) {
        Result r = new Result();
        r.byPageRows = true;
        r.split.addAll(g.splitInputs());
        for (Node n : g.nodes()) {
            boolean any = n.inputs().stream().anyMatch(r.split::contains);
            if (!any) {
                continue;
            }
            TensorType out = n.type();
            boolean matmul = n.op() == OpKind.MATMUL || n.op() == OpKind.GEMM;
            String right = matmul ? n.inputs().get(1) : null;
            if (matmul && r.split.contains(right) && r.split.contains(n.inputs().get(0)) && !n.flag("transpose_a")
                    && onePage(g.type(right))) {
                // Attention's k and v: every sentron needs all their rows, so they are all-gathered (ALLGATHER)
                // into a whole copy, as a split right operand is when the batch is divided; one tile at most.
                int rows = g.type(right).dim(-2);
                if ((rows + sentrons - 1) / sentrons * sentrons > Lowering.TILE) {
                    throw new CompileException(n.where() + ": all-gathering " + right + " would take more than one tile");
                }
                r.gathered.putIfAbsent(right, right + "__all");
            }
            boolean ok = out.rank() >= 2 && switch (n.op()) {
                case MATMUL, GEMM -> r.split.contains(n.inputs().get(0)) && (!r.split.contains(right) || r.gathered.containsKey(right))
                        && !n.flag("transpose_a") && (g.type(right).rank() == 2 || r.gathered.containsKey(right));
                case ADD, SUB, MUL, DIV, POW, MAX, MIN, WHERE, RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG,
                     SOFTMAX, LAYER_NORM, RMS_NORM -> true;
                case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN -> out.rank() == g.type(n.inputs().get(0)).rank();
                default -> false;
            };
            for (int i = 0; i < n.inputs().size() && ok; i++) {
                String in = n.inputs().get(i);
                TensorType t = g.type(in);
                boolean rightOperand = matmul && i == 1;
                if (rightOperand && r.gathered.containsKey(in)) {
                    continue; // read whole, from its all-gathered copy
                }
                if (r.split.contains(in)) {
                    ok = t.rank() == out.rank() && t.dim(-2) == out.dim(-2);
                } else if (!rightOperand && t.rank() >= 2 && t.dim(-2) > 1) {
                    ok = false; // full rows of a value that is not split: they would not line up with a shard
                }
            }
            if (!ok) {
                throw new CompileException(n.where() + ": works across the rows of a split value; divide the batch instead");
            }
            r.split.add(n.name());
        }
        return withLocalTypes(r, g, sentrons);
    }

    /** A matrix, or a batch of one matrix: one page, which ALLGATHER can stack from the sentrons' rows. */
    private static boolean onePage(TensorType t) {
        return t.rank() >= 2 && t.elements() == (long) t.dim(-2) * t.dim(-1);
    }


    static Result of(Graph g, int sentrons) {
        Result r = new Result();
        if (sentrons > 1) { // on one sentron nothing is divided, whatever the graph declares
            r.split.addAll(g.splitInputs());
        }
        for (Node n : g.nodes()) {
            List<String> splitIns = new ArrayList<>();
            for (String in : n.inputs()) {
                if (r.split.contains(in)) {
                    splitIns.add(in);
                }
            }
            if (splitIns.isEmpty()) {
                continue;
            }
            String first = n.inputs().get(0);
            String second = n.inputs().size() > 1 ? n.inputs().get(1) : null;
            boolean batched = second != null && r.split.contains(first) && g.type(first).rank() >= 3 && g.type(second).rank() >= 3;
            if ((n.op() == OpKind.MATMUL || n.op() == OpKind.GEMM) && r.split.contains(second) && !n.flag("transpose_a") && !batched) {
                if (g.type(second).rank() > 2) {
                    throw new CompileException(n.where() + ": a split right operand of rank " + g.type(second).rank()
                            + " would have to be all-gathered; only 2-D ones are");
                }
                // A split right operand is needed whole by every sentron: all-gather it (attention's q.k^T, p.v).
                r.gathered.putIfAbsent(second, second + "__all");
                splitIns.remove(second);
                if (splitIns.isEmpty()) {
                    continue; // replicated left operand times a gathered right one: replicated result
                }
            }
            // A matmul's inputs after the two operands (a gemm's bias, an epilogue's operand) are elementwise
            // operands of the result: split or not, they are checked like those of an elementwise op below.
            List<String> splitOperands = new ArrayList<>(splitIns);
            for (int i = 2; i < n.inputs().size(); i++) {
                splitOperands.remove(n.inputs().get(i)); // one occurrence per extra input: x may be operand and residual
            }
            boolean ok = switch (n.op()) {
                case MATMUL, GEMM -> batched ? splitOperands.size() == 2 && g.type(first).rank() == n.type().rank()
                        && g.type(second).rank() == n.type().rank()
                        : splitOperands.equals(List.of(first)) && !n.flag("transpose_a");
                case TRANSPOSE, RESHAPE -> keepsFirstAxis(n, g.type(first));
                case SLICE -> !rowsAxis(n, g.type(first));
                case CONCAT -> !rowsAxis(n, n.type()) && splitIns.size() == n.inputs().size();
                case ALL_REDUCE -> true; // combines the same rows of every sentron: the result stays split alike
                case ALL_GATHER -> false;
                default -> true;
            };
            // Row-wise ops need every full-size operand split alike; a replicated operand that spans the split
            // axis (same rank as the result, first dim equal and above 1) would not line up.
            for (int i = 0; i < n.inputs().size(); i++) {
                String in = n.inputs().get(i);
                TensorType t = g.type(in);
                boolean spans = t.rank() == n.type().rank() && t.dim(0) > 1 && t.dim(0) == n.type().dim(0);
                // A 2-D matmul's right operand [k, n] spans nothing of the result, whatever k is.
                boolean rightOperand = (n.op() == OpKind.MATMUL || n.op() == OpKind.GEMM) && i == 1 && n.type().rank() < 3;
                if (!r.split.contains(in) && spans && !rightOperand) {
                    ok = false;
                }
                if (!r.split.contains(in) && t.rank() > n.type().rank()) {
                    ok = false; // a replicated batch operand broadcast into a split result
                }
            }
            // A split operand must be split along the result's first axis: same rank (one less for a
            // reduction without keepdims) and the same first dim, i.e. no broadcasting into or along it.
            boolean moves = n.op() == OpKind.RESHAPE || n.op() == OpKind.TRANSPOSE;
            boolean dropsLast = n.op() == OpKind.REDUCE_SUM || n.op() == OpKind.REDUCE_MEAN || n.op() == OpKind.REDUCE_MAX
                    || n.op() == OpKind.REDUCE_MIN;
            for (String in : splitIns) {
                TensorType t = g.type(in);
                int want = n.type().rank() + (dropsLast && t.rank() > n.type().rank() ? 1 : 0);
                if (!moves && (t.rank() != want || t.dim(0) != n.type().dim(0))) {
                    ok = false;
                }
            }
            if (n.type().rank() < 2) {
                ok = false; // a rank-1 value is one line: its elements cannot be divided by rows
            }
            if (!ok) {
                throw new CompileException(n.where() + ": with --sentrons " + sentrons + " this node would combine rows held by "
                        + "different sentrons (inputs split by rows: " + splitIns + "); that needs a collective, which the "
                        + "compiler does not generate yet");
            }
            r.split.add(n.name());
        }
        return withLocalTypes(r, g, sentrons);
    }

    /** Every value's type as one sentron sees it. */
    private static Result withLocalTypes(Result r, Graph g, int sentrons) {
        g.inputs().forEach((in, t) -> r.local.put(in, local(t, r.split.contains(in), sentrons, r.byPageRows)));
        for (Node n : g.nodes()) {
            r.local.put(n.name(), local(n.type(), r.split.contains(n.name()), sentrons, r.byPageRows));
        }
        return r;
    }

    /** One sentron's share of a split value: ⌈d/N⌉ of its first axis, or of its rows ({@code pageRows}). */
    private static TensorType local(TensorType t, boolean split, int sentrons, boolean pageRows) {
        if (!split) {
            return t;
        }
        int axis = pageRows ? t.rank() - 2 : 0;
        List<Integer> s = new ArrayList<>(t.shape());
        s.set(axis, Math.max(1, (t.dim(axis) + sentrons - 1) / sentrons));
        return new TensorType(t.dtype(), s);
    }
}

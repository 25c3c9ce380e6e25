package ai.vtpu.phextcc.codegen;

import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.OpKind;
import ai.vtpu.phextcc.ir.TensorType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tiles every node onto the tile ops of docs/ISA.md. Values live in pages (one tensor per page, rank 1 as
 * one line); each output tile is gathered, computed in registers and scattered. Edge tiles rely on the
 * ISA's memory rules: GATHER pads outside the page with zeros, SCATTER drops what lies outside.
 *
 * <p>Registers: T0/T5 accumulate, T1..T4 hold matmul operands (two pairs when {@code rotate}), T6..T15
 * are scratch for the epilogues and the elementwise ops (two sets when {@code rotate}).
 */
final class Lowering {
    static final int TILE = 256;

    private final Graph g;
    private final Emitter e;
    private final boolean rotate;
    private final boolean prefetch;
    private final boolean morton;
    private int stepParity;
    private int tileParity;

    private final Map<String, TensorType> local;

    /** {@code local} is each value's type as one sentron sees it (split values have their shard's rows). */
    private final int loopSteps;
    private int labels;

    Lowering(Graph g, Map<String, TensorType> local, Emitter e, boolean rotate, boolean prefetch, boolean morton, int loopSteps) {
        this.loopSteps = loopSteps;
        this.local = local;
        this.g = g;
        this.e = e;
        this.rotate = rotate;
        this.prefetch = prefetch;
        this.morton = morton;
    }

    private TensorType type(String value) {
        return local.get(value);
    }

    /** Split values that matmuls read whole, and the names of their gathered copies. */
    private Map<String, String> gathered = Map.of();

    void gatheredValues(Map<String, String> g) {
        this.gathered = g;
    }

    /**
     * All-gathers split value {@code value} (each sentron holds {@code shard} rows) into {@code into}, whole
     * on every sentron: per column tile, each sentron's shard (padded to {@code shard} rows) is stacked in
     * rank order, which is exactly the row order of the whole tensor.
     */
    void allGather(String value, String into, int sentrons) {
        TensorType t = type(value);
        int shard = t.rows();
        int rows = shard * sentrons;
        if (rows > TILE) {
            throw new CompileException("all-gather of '" + value + "': " + sentrons + " shards of " + shard + " rows exceed one "
                    + TILE + "-row tile; larger gathers are not generated yet");
        }
        for (int c0 = 0; c0 < t.cols(); c0 += TILE) {
            int tc = Math.min(TILE, t.cols() - c0);
            int src = scratch(0);
            int dst = scratch(1);
            e.gather(src, value, 0, c0, shard, tc);
            e.allGather(dst, src, rows, tc);
            e.scatter(dst, into, 0, c0, rows, tc);
            tileParity++;
        }
    }

    private static CompileException unsupported(Node n, String what) {
        return new CompileException(n.where() + ": " + what);
    }

    private static int rowsOf(TensorType t) {
        return t.rank() == 1 ? 1 : t.rows();
    }

    /** Origins of the output tiles, row-major or along a Morton curve (the locality pass of -O3). */
    private List<int[]> tiles(int rows, int cols, int tr, int tc) {
        List<int[]> out = new ArrayList<>();
        int nr = (rows + tr - 1) / tr;
        int nc = (cols + tc - 1) / tc;
        for (int i = 0; i < nr; i++) {
            for (int j = 0; j < nc; j++) {
                out.add(new int[] {i * tr, j * tc});
            }
        }
        if (morton) {
            out.sort((a, b) -> Long.compare(interleave(a[0] / tr, a[1] / tc), interleave(b[0] / tr, b[1] / tc)));
        }
        return out;
    }

    private static long interleave(int i, int j) {
        long k = 0;
        for (int b = 0; b < 16; b++) {
            k |= (long) ((i >> b) & 1) << (2 * b + 1) | (long) ((j >> b) & 1) << (2 * b);
        }
        return k;
    }

    /** Scratch register {@code k} (0..4) of the current set. */
    private int scratch(int k) {
        return 6 + k + (rotate && tileParity % 2 == 1 ? 5 : 0);
    }

    void lower(Node n) {
        boolean paged = type(n.name()).rank() > 2;
        for (String v : n.inputs()) {
            paged |= type(v).rank() > 2;
        }
        if (paged) {
            lowerPaged(n);
            return;
        }
        switch (n.op()) {
            case MATMUL, GEMM -> matmul(n);
            case ADD, SUB, MUL, DIV, POW, MAX, MIN -> elementwise(n, mnemonic(n.op()));
            case WHERE -> elementwise(n, "SEL");
            case RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG -> unary(n);
            case SOFTMAX, LAYER_NORM, RMS_NORM -> rowwise(n);
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN -> reduce(n);
            case TRANSPOSE -> transpose(n);
            case SLICE -> slice(n);
            case CONCAT -> concat(n);
            case RESHAPE -> reshape(n);
            case ALL_REDUCE -> allReduce(n);
            default -> throw unsupported(n, n.op().label() + " is parsed, typed and evaluated by the reference, but code "
                    + "generation for it is not implemented yet (docs/COMPILER.md, 'Not yet')");
        }
    }

    private static String mnemonic(OpKind op) {
        return switch (op) {
            case ADD -> "ADD";
            case SUB -> "SUB";
            case MUL -> "MUL";
            case DIV -> "DIV";
            case POW -> "POW";
            case ERF -> "ERF";
            case MAX -> "MAX";
            case MIN -> "MIN";
            case NEG -> "NEG";
            case ABS -> "ABS";
            case LOG -> "LOG";
            case RELU -> "RELU";
            case GELU -> "GELU";
            case SILU -> "SILU";
            case SIGMOID -> "SIGMOID";
            case TANH -> "TANH";
            case EXP -> "EXP";
            case SQRT -> "SQRT";
            default -> throw new IllegalArgumentException(op.label());
        };
    }

    /** Gathers the part of {@code value} that broadcasts onto the output tile at (r0, c0) of size tr x tc. */
    private void gatherBroadcast(int t, String value, int r0, int c0, int tr, int tc) {
        TensorType v = type(value);
        int rows = rowsOf(v) == 1 ? 1 : tr;
        int cols = v.cols() == 1 ? 1 : tc;
        e.gather(t, value, rowsOf(v) == 1 ? 0 : r0, v.cols() == 1 ? 0 : c0, rows, cols);
    }

    private void matmul(Node n) {
        String a = n.inputs().get(0);
        String b = gathered.getOrDefault(n.inputs().get(1), n.inputs().get(1));
        TensorType ta = type(a);
        boolean tA = n.flag("transpose_a");
        boolean tB = n.flag("transpose_b");
        int m = type(n.name()).rows();
        int cols = type(n.name()).cols();
        int k = tA ? ta.dim(0) : ta.dim(1);
        int tm = Math.min(TILE, m);
        int tn = Math.min(TILE, cols);
        int tk = Math.min(TILE, k);
        String act = (String) n.attrs().get("activation");
        int steps = (k + tk - 1) / tk;
        List<int[]> outTiles = tiles(m, cols, tm, tn);
        if (steps > loopSteps) {
            for (int[] o : outTiles) {
                int acc = rotate && tileParity % 2 == 1 ? 5 : 0;
                loopedTile(n, a, b, tA, tB, o, steps, tk, tm, tn, acc);
                epilogue(n, act, o, acc, tm, tn);
            }
            return;
        }
        // One flat sequence of (output tile, inner step). With rotation (-O2 and up) the operands of the next
        // step, of the next output tile too, are gathered before the MMA of the current one, into the other
        // register pair, and the accumulators alternate between output tiles, so the S pipe fills one set
        // while the D pipe works on the other and the SCATTER of a finished tile overlaps the next tile.
        int total = outTiles.size() * steps;
        if (rotate && total > 0) {
            // The first step's A tile may still be in an operand register from an earlier node (x for q, k and v
            // of attention): start the rotation on that register, so it is not gathered again.
            int row0 = outTiles.get(0)[0];
            java.util.function.IntPredicate holdsA = t -> tA ? e.holds(t, a, 0, row0, tk, tm) : e.holds(t, a, row0, 0, tm, tk);
            if (holdsA.test(3) && stepParity % 2 == 0 || holdsA.test(1) && stepParity % 2 == 1) {
                stepParity++;
            }
        }
        int[][] pair = new int[total][];
        for (int t = 0; t < total; t++) {
            int pa = rotate && stepParity % 2 == 1 ? 3 : 1;
            pair[t] = new int[] {pa, pa + 1};
            stepParity++;
        }
        if (rotate && total > 0) {
            gatherStep(a, b, tA, tB, outTiles.get(0), 0, tk, tm, tn, pair[0]);
        }
        for (int t = 0; t < total; t++) {
            int[] o = outTiles.get(t / steps);
            int s = t % steps;
            int k0 = s * tk;
            int acc = rotate && tileParity % 2 == 1 ? 5 : 0;
            if (!rotate) {
                gatherStep(a, b, tA, tB, o, k0, tk, tm, tn, pair[t]);
            } else if (t + 1 < total) {
                gatherStep(a, b, tA, tB, outTiles.get((t + 1) / steps), ((t + 1) % steps) * tk, tk, tm, tn, pair[t + 1]);
            }
            if (prefetch && s + 2 < steps) {
                int n0 = k0 + 2 * tk;
                if (tA) {
                    e.prefetch(a, n0, o[0], tk, tm);
                } else {
                    e.prefetch(a, o[0], n0, tm, tk);
                }
            }
            int pa = pair[t][0];
            int pb = pair[t][1];
            String flags = (tA ? ", ta" : "") + (tB ? ", tb" : "") + (s == 0 ? ", zero" : "");
            e.d("MMA T" + acc + ", T" + pa + ", T" + pb + flags, acc, 2L * tm * tn * tk,
                    s == 0 ? new int[] {pa, pb} : new int[] {pa, pb, acc});
            if (s == steps - 1) {
                epilogue(n, act, o, acc, tm, tn);
            }
        }
    }

    /**
     * One output tile as a counted loop over the inner dimension (the program would be huge unrolled): the
     * coordinate registers P6 and P7 walk A and B by INDEX, R14 counts the steps. Each step gathers both
     * operands and multiplies; the block starts and ends with a drain.
     */
    private void loopedTile(Node n, String a, String b, boolean tA, boolean tB, int[] o, int steps, int tk, int tm, int tn,
                            int acc) {
        String label = "k" + (labels++);
        StringBuilder s = new StringBuilder();
        // op(A)(i-block, k..): stored A[i0.., k0..] walked along columns, or A[k0.., i0..] (ta) along lines.
        s.append("        sync | S: CSET P6, ").append(tA ? e.address(a, 0, o[0]) : e.address(a, o[0], 0)).append('\n');
        s.append("        S: CSET P7, ").append(tB ? e.address(b, o[1], 0) : e.address(b, 0, o[1])).append('\n');
        s.append("        S: SLI R14, ").append(steps).append(" ^6\n");
        s.append("        wait s6 | D: FILL T").append(acc).append(", ").append(tm).append('x').append(tn).append(", 0.0\n");
        String ga = tA ? tk + "x" + tm : tm + "x" + tk;
        String gb = tB ? tn + "x" + tk : tk + "x" + tn;
        s.append(label).append(": S: GATHER T1, P6, ").append(ga).append('\n');
        s.append("        S: INDEX P6, P6, ").append(tA ? "line" : "column").append(", ").append(tk).append('\n');
        s.append("        S: GATHER T2, P7, ").append(gb).append(" ^7\n");
        s.append("        wait s7 | D: MMA T").append(acc).append(", T1, T2").append(tA ? ", ta" : "").append(tB ? ", tb" : "")
                .append(" | S: INDEX P7, P7, ").append(tB ? "column" : "line").append(", ").append(tk).append('\n');
        s.append("        C: LOOP R14, ").append(label).append('\n');
        s.append("        sync | D: NOP\n");
        java.util.BitSet reads = new java.util.BitSet();
        reads.set(e.memoryBit(a));
        reads.set(e.memoryBit(b));
        java.util.BitSet writes = new java.util.BitSet();
        for (int r : new int[] {acc, 1, 2, 32 + 6, 32 + 7, 16 + 14}) {
            writes.set(r);
        }
        e.block(s.toString(), reads, writes, 2L * tm * tn * tk * steps, 4L * (tm * tk + tk * tn) * steps);
    }

    /** Bias, activation, the fused elementwise epilogue and the one SCATTER of a finished output tile. */
    private void epilogue(Node n, String act, int[] o, int acc, int tm, int tn) {
        if (n.op() == OpKind.GEMM) {
            int bias = scratch(0);
            gatherBroadcast(bias, n.inputs().get(2), o[0], o[1], tm, tn);
            e.d("ADD T" + acc + ", T" + acc + ", T" + bias, acc, (long) tm * tn, acc, bias);
        }
        if (act != null) {
            e.d(act.toUpperCase(Locale.ROOT) + " T" + acc + ", T" + acc, acc, (long) tm * tn, acc);
        }
        String epi = (String) n.attrs().get("epilogue");
        if (epi != null) {
            // The fused elementwise node: its other operand's tile, while the result is still in the register.
            int operand = scratch(1);
            gatherBroadcast(operand, n.inputs().get(n.inputs().size() - 1), o[0], o[1], tm, tn);
            e.d(epi.toUpperCase(Locale.ROOT) + " T" + acc + ", T" + acc + ", T" + operand, acc, (long) tm * tn, acc, operand);
        }
        e.scatter(acc, n.name(), o[0], o[1], tm, tn);
        tileParity++;
    }

    // ------------------------------------------------------------------ rank 3 and more: one matrix per page

    /** The 2-D type of one page of a value of rank 3 or more. */
    private static TensorType pageType(TensorType t) {
        return new TensorType(t.dtype(), List.of(t.rows(), t.cols()));
    }

    /** A view of page {@code p} (row offset {@code row}) of {@code value}, registered with its 2-D type. */
    private String pageView(String value, int p, int row, TensorType type) {
        String v = Emitter.view(value, p, row);
        local.put(v, type);
        return v;
    }

    /** The page of {@code operand} that page {@code p} of a value of type {@code out} reads, broadcasting the leading dims. */
    private int pageOf(String operand, TensorType out, int p) {
        TensorType t = type(operand);
        List<Integer> lead = out.shape().subList(0, out.rank() - 2);
        List<Integer> opLead = t.shape().subList(0, Math.max(0, t.rank() - 2));
        return ai.vtpu.phextcc.eval.Evaluator.bidx(lead, opLead, p);
    }

    /** An operand as page {@code p} of the output sees it: a page view for rank 3 and more, the value itself below. */
    private String operand(String in, TensorType out, int p) {
        TensorType t = type(in);
        return t.rank() > 2 ? pageView(in, pageOf(in, out, p), 0, pageType(t)) : in;
    }

    /**
     * Values of rank 3 and more are stored one matrix per page (docs/ISA.md §5.2). A node on them becomes one
     * 2-D node per output page, on page views of its operands (leading dims broadcast as in NumPy), lowered
     * by the 2-D code; reshape, transposes that move leading axes, and slices or concatenations along
     * leading axes are page copies.
     */
    private void lowerPaged(Node n) {
        TensorType out = type(n.name());
        if (pageWise(n.op())) {
            if (out.rank() < 3) {
                throw unsupported(n, "operands of rank 3 or more with a result of rank " + out.rank() + " are not supported");
            }
            for (int p = 0; p < out.pages(); p++) {
                lowerPage(n, p);
            }
            return;
        }
        switch (n.op()) {
            case REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX, REDUCE_MIN -> {
                TensorType in = type(n.inputs().get(0));
                boolean keep = out.rank() == in.rank();
                for (int p = 0; p < in.pages(); p++) {
                    String x = pageView(n.inputs().get(0), p, 0, pageType(in));
                    String o;
                    TensorType ot;
                    if (keep) {
                        ot = new TensorType(out.dtype(), List.of(in.rows(), 1));
                        o = pageView(n.name(), p, 0, ot);
                    } else {
                        // Page p's row sums are one row of the result: row p % lead of result page p / lead.
                        int lead = in.shape().get(in.rank() - 3);
                        ot = new TensorType(out.dtype(), List.of(in.rows()));
                        o = pageView(n.name(), out.rank() > 2 ? p / lead : 0, out.rank() > 2 ? p % lead : p, ot);
                    }
                    lower(new Node(o, n.op(), List.of(x), n.attrs(), ot, n.line(), n.column()));
                }
            }
            case TRANSPOSE -> pagedTranspose(n);
            case RESHAPE -> pagedReshape(n);
            case SLICE, CONCAT -> pagedSliceConcat(n);
            default -> throw unsupported(n, n.op().label() + " on rank " + Math.max(out.rank(), type(n.inputs().get(0)).rank())
                    + " is not supported by code generation yet");
        }
    }

    /** The ops that {@link #lowerPage} lowers one output page at a time. */
    static boolean pageWise(OpKind op) {
        return switch (op) {
            case ADD, SUB, MUL, DIV, POW, MAX, MIN, WHERE, RELU, GELU, SILU, SIGMOID, TANH, EXP, SQRT, ERF, NEG, ABS, LOG, SOFTMAX,
                 LAYER_NORM, RMS_NORM, ALL_REDUCE, MATMUL -> true;
            default -> false;
        };
    }

    /** Values declared with one page, which page-major chains write and read for every page (CodeGen). */
    private java.util.Set<String> onePage = java.util.Set.of();

    void onePageValues(java.util.Set<String> values) {
        this.onePage = values;
    }

    /** Page {@code p} of a {@link #pageWise} node of rank 3 or more: a 2-D node on page views of its operands. */
    private void lowerPage(Node n, int p) {
        TensorType out = type(n.name());
        List<String> ins = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            String in = n.inputs().get(i);
            if (n.op() == OpKind.MATMUL && i == 1) {
                in = gathered.getOrDefault(in, in); // a split right operand is read from its all-gathered copy
            }
            // The scale and bias of a norm are rows, not batched operands.
            boolean row = (n.op() == OpKind.LAYER_NORM || n.op() == OpKind.RMS_NORM) && i > 0;
            ins.add(row ? flatRow(in) : onePage.contains(in) ? pageView(in, 0, 0, pageType(type(in))) : operand(in, out, p));
        }
        String o = pageView(n.name(), onePage.contains(n.name()) ? 0 : p, 0, pageType(out));
        lower(new Node(o, n.op(), ins, n.attrs(), pageType(out), n.line(), n.column()));
    }

    /**
     * A chain of page-wise nodes, page by page: every node's page 0, then every node's page 1, ... (see
     * {@link CodeGen}'s grouping for when that is the same computation). A page's intermediate values are
     * then written and read again while they are still in the core's L2 cache.
     */
    void lowerPageMajor(List<Node> chain) {
        int pages = type(chain.get(0).name()).pages();
        for (int p = 0; p < pages; p++) {
            for (Node n : chain) {
                lowerPage(n, p);
            }
        }
    }

    /** A rank-1 (or [1, n]) row operand, as the 2-D code expects it. */
    private String flatRow(String in) {
        TensorType t = type(in);
        if (t.rank() <= 2) {
            return in;
        }
        return pageView(in, 0, 0, new TensorType(t.dtype(), List.of(1, (int) t.elements())));
    }

    private void pagedTranspose(Node n) {
        TensorType in = type(n.inputs().get(0));
        TensorType out = type(n.name());
        int r = in.rank();
        List<Integer> perm = n.ints("perm");
        if (perm == null) {
            perm = new ArrayList<>();
            for (int a = r - 1; a >= 0; a--) {
                perm.add(a);
            }
        }
        java.util.Set<Integer> last = java.util.Set.of(perm.get(r - 2), perm.get(r - 1));
        if (!last.equals(java.util.Set.of(r - 2, r - 1))) {
            rowwiseTranspose(n, perm);
            return;
        }
        boolean swap = perm.get(r - 1) == r - 2;
        List<Integer> lead = out.shape().subList(0, r - 2);
        for (int p = 0; p < out.pages(); p++) {
            // Output page p at leading index (i_0..) reads input page with index i_perm.
            int[] idx = pageIndex(lead, p, r - 2);
            int[] inIdx = new int[r - 2];
            for (int a = 0; a < r - 2; a++) {
                inIdx[perm.get(a)] = idx[a];
            }
            String x = inputPage(n.inputs().get(0), in, inIdx);
            String o = pageView(n.name(), p, 0, pageType(out));
            if (swap) {
                lower(new Node(o, OpKind.TRANSPOSE, List.of(x), java.util.Map.of(), pageType(out), n.line(), n.column()));
            } else {
                copy(x, 0, 0, in.rows(), in.cols(), o, 0, 0);
            }
        }
    }

    /**
     * A transpose that moves rows across pages, built one output row at a time. Along the output row the
     * input index runs over axis L = perm[last]: the input's last axis (a row copy), its row axis (a column,
     * gathered and turned by TRN), or a leading axis (one element per page: slow, so bounded).
     */
    private void rowwiseTranspose(Node n, List<Integer> perm) {
        String src = n.inputs().get(0);
        TensorType in = type(src);
        TensorType out = type(n.name());
        int r = out.rank();
        int axis = perm.get(r - 1);
        if (axis < r - 2 && out.elements() > ELEMENTWISE_TRANSPOSE_LIMIT) {
            throw unsupported(n, "perm " + perm + " makes the output's last axis a leading axis of the input, which is copied "
                    + "element by element; that is limited to " + ELEMENTWISE_TRANSPOSE_LIMIT + " elements, this has " + out.elements());
        }
        List<Integer> lead = out.shape().subList(0, r - 2);
        for (int p = 0; p < out.pages(); p++) {
            int[] oi = pageIndex(lead, p, r);
            String o = pageView(n.name(), p, 0, pageType(out));
            for (int i = 0; i < out.rows(); i++) {
                oi[r - 2] = i;
                for (int j0 = 0; j0 < out.cols(); j0 += TILE) {
                    int len = Math.min(TILE, out.cols() - j0);
                    oi[r - 1] = j0;
                    int[] ii = new int[r];
                    for (int a = 0; a < r; a++) {
                        ii[perm.get(a)] = oi[a];
                    }
                    if (axis == r - 1) {
                        copy(inputPage(src, in, ii), ii[r - 2], ii[r - 1], 1, len, o, i, j0);
                    } else if (axis == r - 2) {
                        int tx = scratch(0);
                        int td = scratch(1);
                        e.gather(tx, inputPage(src, in, ii), ii[r - 2], ii[r - 1], len, 1);
                        e.d("TRN T" + td + ", T" + tx, td, 0, tx);
                        e.scatter(td, o, i, j0, 1, len);
                        tileParity++;
                    } else {
                        for (int j = 0; j < len; j++) {
                            int[] ij = ii.clone();
                            ij[axis] += j;
                            copy(inputPage(src, in, ij), ij[r - 2], ij[r - 1], 1, 1, o, i, j0 + j);
                        }
                    }
                }
            }
        }
    }

    private static final int ELEMENTWISE_TRANSPOSE_LIMIT = 1 << 16;

    /**
     * The leading index (i_0 .. i_{lead-1}) of page {@code p} of a value whose leading dims are {@code lead},
     * in an array of {@code length} (the rest zero).
     */
    private static int[] pageIndex(List<Integer> lead, int p, int length) {
        int[] idx = new int[length];
        int rest = p;
        for (int a = lead.size() - 1; a >= 0; a--) {
            idx[a] = rest % lead.get(a);
            rest /= lead.get(a);
        }
        return idx;
    }

    /** The page view of {@code src} that holds the element at multi-index {@code idx} (its leading part). */
    private String inputPage(String src, TensorType in, int[] idx) {
        int q = 0;
        for (int a = 0; a < in.rank() - 2; a++) {
            q = q * in.dim(a) + idx[a];
        }
        return pageView(src, q, 0, pageType(in));
    }

    /** Row-major reshape between any ranks: each output row is copied from the input runs it spans. */
    private void pagedReshape(Node n) {
        String src = n.inputs().get(0);
        TensorType in = type(src);
        TensorType out = type(n.name());
        int inRows = rowsOf(in);
        int inCols = in.cols();
        int outRows = rowsOf(out);
        int outCols = out.cols();
        for (int p = 0; p < out.pages(); p++) {
            for (int r = 0; r < outRows; r++) {
                long flat = ((long) p * outRows + r) * outCols;
                int done = 0;
                while (done < outCols) {
                    long f = flat + done;
                    int ip = (int) (f / ((long) inRows * inCols));
                    int ir = (int) (f / inCols % inRows);
                    int ic = (int) (f % inCols);
                    int len = Math.min(Math.min(outCols - done, inCols - ic), TILE);
                    String x = in.rank() > 2 ? pageView(src, ip, ir, new TensorType(in.dtype(), List.of(1, inCols))) : src;
                    String o = out.rank() > 2 ? pageView(n.name(), p, r, new TensorType(out.dtype(), List.of(1, outCols))) : n.name();
                    copy(x, in.rank() > 2 ? 0 : ir, ic, 1, len, o, out.rank() > 2 ? 0 : r, done);
                    done += len;
                }
            }
        }
    }

    private void pagedSliceConcat(Node n) {
        TensorType out = type(n.name());
        int r = out.rank();
        int axis = axisOf(n);
        if (axis >= r - 2) {
            // Along a matrix axis: the 2-D op on every page.
            for (int p = 0; p < out.pages(); p++) {
                List<String> ins = new ArrayList<>();
                for (String in : n.inputs()) {
                    ins.add(pageView(in, p, 0, pageType(type(in))));
                }
                java.util.Map<String, Object> attrs = new java.util.HashMap<>(n.attrs());
                attrs.put("axis", axis - (r - 2));
                String o = pageView(n.name(), p, 0, pageType(out));
                lower(new Node(o, n.op(), ins, attrs, pageType(out), n.line(), n.column()));
            }
            return;
        }
        // Along a leading axis: whole pages move. Page p of the output has leading index (i_0..); along the
        // axis its coordinate selects the input (concat) or is shifted by start (slice).
        List<Integer> lead = out.shape().subList(0, r - 2);
        int start = n.op() == OpKind.SLICE ? (int) n.number("start", 0) : 0;
        for (int p = 0; p < out.pages(); p++) {
            int[] idx = pageIndex(lead, p, r - 2);
            String src = n.inputs().get(0);
            if (n.op() == OpKind.CONCAT) {
                for (String in : n.inputs()) {
                    int d = type(in).dim(axis);
                    if (idx[axis] < d) {
                        src = in;
                        break;
                    }
                    idx[axis] -= d;
                }
            } else {
                idx[axis] += start;
            }
            TensorType st = type(src);
            int q = 0;
            for (int a = 0; a < r - 2; a++) {
                q = q * st.dim(a) + idx[a];
            }
            copy(pageView(src, q, 0, pageType(st)), 0, 0, st.rows(), st.cols(), pageView(n.name(), p, 0, pageType(out)), 0, 0);
        }
    }

    /** Gathers op(A)(i-block, k0..) and op(B)(k0.., j-block) into the register pair {@code p}. */
    private void gatherStep(String a, String b, boolean tA, boolean tB, int[] o, int k0, int tk, int tm, int tn, int[] p) {
        if (tA) {
            e.gather(p[0], a, k0, o[0], tk, tm);
        } else {
            e.gather(p[0], a, o[0], k0, tm, tk);
        }
        if (tB) {
            e.gather(p[1], b, o[1], k0, tn, tk);
        } else {
            e.gather(p[1], b, k0, o[1], tk, tn);
        }
    }

    /**
     * add, sub, mul, div, pow (mnemonic of the op) and where (SEL): one D op per output tile on the operands'
     * broadcast tiles; the first operand is widened when it broadcasts.
     */
    private void elementwise(Node n, String op) {
        TensorType out = type(n.name());
        int rows = rowsOf(out);
        int cols = out.cols();
        int tr = Math.min(TILE, rows);
        int tc = Math.min(TILE, cols);
        List<String> ins = n.inputs();
        String first = ins.get(0);
        boolean firstFull = rowsOf(type(first)) == rows && type(first).cols() == cols;
        for (int[] o : tiles(rows, cols, tr, tc)) {
            int[] t = new int[ins.size()];
            StringBuilder operands = new StringBuilder();
            for (int i = 0; i < ins.size(); i++) {
                t[i] = scratch(i);
                gatherBroadcast(t[i], ins.get(i), o[0], o[1], tr, tc);
            }
            int td = scratch(ins.size());
            if (!firstFull) {
                t[0] = widen(t[0], scratch(ins.size() + 1), tr, tc);
            }
            for (int r : t) {
                operands.append(", T").append(r);
            }
            e.d(op + " T" + td + operands, td, (long) tr * tc, t);
            e.scatter(td, n.name(), o[0], o[1], tr, tc);
            tileParity++;
        }
    }

    /** The D ops broadcast only their later operands: widens a broadcast first operand onto a zero tile. */
    private int widen(int t, int tz, int tr, int tc) {
        e.d("FILL T" + tz + ", " + tr + "x" + tc + ", 0.0", tz, 0);
        e.d("ADD T" + tz + ", T" + tz + ", T" + t, tz, 0, tz, t);
        return tz;
    }

    private void unary(Node n) {
        TensorType out = type(n.name());
        int rows = rowsOf(out);
        int cols = out.cols();
        int tr = Math.min(TILE, rows);
        int tc = Math.min(TILE, cols);
        for (int[] o : tiles(rows, cols, tr, tc)) {
            int tx = scratch(0);
            int td = scratch(1);
            e.gather(tx, n.inputs().get(0), o[0], o[1], tr, tc);
            e.d(mnemonic(n.op()) + " T" + td + ", T" + tx, td, (long) tr * tc, tx);
            e.scatter(td, n.name(), o[0], o[1], tr, tc);
            tileParity++;
        }
    }

    private void rowwise(Node n) {
        TensorType out = type(n.name());
        int rows = rowsOf(out);
        int cols = out.cols();
        if (cols > TILE) {
            wideRowwise(n, rows, cols);
            return;
        }
        int tr = Math.min(TILE, rows);
        double eps = n.number("epsilon", n.op() == OpKind.LAYER_NORM ? 1e-5 : 1e-6);
        for (int[] o : tiles(rows, cols, tr, cols)) {
            int tx = scratch(0);
            int td = scratch(1);
            e.gather(tx, n.inputs().get(0), o[0], 0, tr, cols);
            switch (n.op()) {
                case SOFTMAX -> e.d("SOFTMAX T" + td + ", T" + tx, td, 4L * tr * cols, tx);
                case LAYER_NORM -> e.d("LNORM T" + td + ", T" + tx + ", " + (float) eps, td, 4L * tr * cols, tx);
                default -> e.d("RMSNORM T" + td + ", T" + tx + ", " + (float) eps, td, 3L * tr * cols, tx);
            }
            affine(n, td, tr, 0, cols);
            e.scatter(td, n.name(), o[0], 0, tr, cols);
            tileParity++;
        }
    }

    /** The scale (and bias) of a norm, for the column tile starting at {@code c0}. */
    private void affine(Node n, int td, int tr, int c0, int tc) {
        if (n.op() == OpKind.SOFTMAX || n.inputs().size() < 2) {
            return;
        }
        int ts = scratch(2);
        e.gather(ts, n.inputs().get(1), 0, c0, 1, tc);
        if (n.inputs().size() > 2) {
            int tb = scratch(3);
            e.gather(tb, n.inputs().get(2), 0, c0, 1, tc);
            e.d("FMA T" + td + ", T" + td + ", T" + ts + ", T" + tb, td, 2L * tr * tc, td, ts, tb);
        } else {
            e.d("MUL T" + td + ", T" + td + ", T" + ts, td, (long) tr * tc, td, ts);
        }
    }

    /**
     * Softmax and the norms over rows longer than one tile: per block of rows, the statistics are reduced
     * across the column tiles first (row max and sum of exponentials; mean and variance; mean square), then
     * each column tile is gathered again, normalised with the per-row column vectors and scattered.
     */
    private void wideRowwise(Node n, int rows, int cols) {
        String x = n.inputs().get(0);
        int tr = Math.min(TILE, rows);
        double eps = n.number("epsilon", n.op() == OpKind.LAYER_NORM ? 1e-5 : 1e-6);
        float inv = (float) (1.0 / cols);
        for (int r0 = 0; r0 < rows; r0 += tr) {
            // T1..T5 here (free between matmuls), so affine()'s scratch registers never collide with them.
            int t = 1;     // the current tile
            int s1 = 4;    // first statistic: row max, row mean, mean square
            int s2 = 5;    // second: sum of exponentials, reciprocal standard deviation
            int part = 3;
            int tmp = 2;
            // Pass 1: the row max (softmax), the row sum (layer norm), the row sum of squares (rms norm).
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int tc = Math.min(TILE, cols - c0);
                e.gather(t, x, r0, c0, tr, tc);
                int src = t;
                if (n.op() == OpKind.RMS_NORM) {
                    e.d("MUL T" + tmp + ", T" + t + ", T" + t, tmp, (long) tr * tc, t);
                    src = tmp;
                }
                String red = n.op() == OpKind.SOFTMAX ? "REDMAX" : "REDSUM";
                e.d(red + " T" + (c0 == 0 ? s1 : part) + ", T" + src + ", row", c0 == 0 ? s1 : part, (long) tr * tc, src);
                if (c0 > 0) {
                    e.d((n.op() == OpKind.SOFTMAX ? "MAX" : "ADD") + " T" + s1 + ", T" + s1 + ", T" + part, s1, tr, s1, part);
                }
            }
            if (n.op() != OpKind.SOFTMAX) {
                e.d("MUL T" + s1 + ", T" + s1 + ", " + inv, s1, tr, s1); // the mean, or the mean square
            }
            if (n.op() == OpKind.RMS_NORM) {
                e.d("ADD T" + s2 + ", T" + s1 + ", " + (float) eps, s2, tr, s1);
                e.d("RSQRT T" + s2 + ", T" + s2, s2, tr, s2);
            } else {
                // Pass 2: sum of exp(x - max), or of (x - mean)^2.
                for (int c0 = 0; c0 < cols; c0 += TILE) {
                    int tc = Math.min(TILE, cols - c0);
                    e.gather(t, x, r0, c0, tr, tc);
                    e.d("SUB T" + tmp + ", T" + t + ", T" + s1, tmp, (long) tr * tc, t, s1);
                    if (n.op() == OpKind.SOFTMAX) {
                        e.d("EXP T" + tmp + ", T" + tmp, tmp, (long) tr * tc, tmp);
                    } else {
                        e.d("MUL T" + tmp + ", T" + tmp + ", T" + tmp, tmp, (long) tr * tc, tmp);
                    }
                    e.d("REDSUM T" + (c0 == 0 ? s2 : part) + ", T" + tmp + ", row", c0 == 0 ? s2 : part, (long) tr * tc, tmp);
                    if (c0 > 0) {
                        e.d("ADD T" + s2 + ", T" + s2 + ", T" + part, s2, tr, s2, part);
                    }
                }
                if (n.op() == OpKind.LAYER_NORM) {
                    e.d("MUL T" + s2 + ", T" + s2 + ", " + inv, s2, tr, s2);
                    e.d("ADD T" + s2 + ", T" + s2 + ", " + (float) eps, s2, tr, s2);
                    e.d("RSQRT T" + s2 + ", T" + s2, s2, tr, s2);
                }
            }
            // Last pass: normalise each column tile and write it.
            for (int c0 = 0; c0 < cols; c0 += TILE) {
                int tc = Math.min(TILE, cols - c0);
                e.gather(t, x, r0, c0, tr, tc);
                switch (n.op()) {
                    case SOFTMAX -> {
                        e.d("SUB T" + tmp + ", T" + t + ", T" + s1, tmp, (long) tr * tc, t, s1);
                        e.d("EXP T" + tmp + ", T" + tmp, tmp, (long) tr * tc, tmp);
                        e.d("DIV T" + tmp + ", T" + tmp + ", T" + s2, tmp, (long) tr * tc, tmp, s2);
                    }
                    case LAYER_NORM -> {
                        e.d("SUB T" + tmp + ", T" + t + ", T" + s1, tmp, (long) tr * tc, t, s1);
                        e.d("MUL T" + tmp + ", T" + tmp + ", T" + s2, tmp, (long) tr * tc, tmp, s2);
                    }
                    default -> e.d("MUL T" + tmp + ", T" + t + ", T" + s2, tmp, (long) tr * tc, t, s2);
                }
                affine(n, tmp, tr, c0, tc);
                e.scatter(tmp, n.name(), r0, c0, tr, tc);
            }
            tileParity++;
        }
    }

    private void reduce(Node n) {
        TensorType in = type(n.inputs().get(0));
        int rows = rowsOf(in);
        int cols = in.cols();
        int tr = Math.min(TILE, rows);
        int tc = Math.min(TILE, cols);
        String red = switch (n.op()) {
            case REDUCE_MAX -> "REDMAX";
            case REDUCE_MIN -> "REDMIN";
            default -> "REDSUM";
        };
        String combine = switch (n.op()) {
            case REDUCE_MAX -> "MAX";
            case REDUCE_MIN -> "MIN";
            default -> "ADD";
        };
        boolean flat = type(n.name()).rank() == 1 && in.rank() == 2; // [rows] written as one line
        for (int r0 = 0; r0 < rows; r0 += tr) {
            int acc = scratch(0);
            int part = scratch(1);
            int tx = scratch(2);
            for (int c0 = 0; c0 < cols; c0 += tc) {
                // The last column tile is gathered at its true width: padded zeros would enter REDMAX/REDMIN.
                int w = Math.min(tc, cols - c0);
                e.gather(tx, n.inputs().get(0), r0, c0, tr, w);
                if (c0 == 0) {
                    e.d(red + " T" + acc + ", T" + tx + ", row", acc, (long) tr * w, tx);
                } else {
                    e.d(red + " T" + part + ", T" + tx + ", row", part, (long) tr * w, tx);
                    e.d(combine + " T" + acc + ", T" + acc + ", T" + part, acc, tr, acc, part);
                }
            }
            if (n.op() == OpKind.REDUCE_MEAN) {
                e.d("MUL T" + acc + ", T" + acc + ", " + (float) (1.0 / cols), acc, tr, acc);
            }
            if (flat || in.rank() == 1) {
                int tt = scratch(3);
                e.d("TRN T" + tt + ", T" + acc, tt, 0, acc);
                e.scatter(tt, n.name(), 0, r0, 1, tr);
            } else {
                e.scatter(acc, n.name(), r0, 0, tr, 1);
            }
            tileParity++;
        }
    }

    /** Copies the block [r0, r0+rows) x [c0, c0+cols) of {@code from} to (dr, dc) of {@code to}, tile by tile. */
    private void copy(String from, int r0, int c0, int rows, int cols, String to, int dr, int dc) {
        for (int i = 0; i < rows; i += TILE) {
            for (int j = 0; j < cols; j += TILE) {
                int tr = Math.min(TILE, rows - i);
                int tc = Math.min(TILE, cols - j);
                int t = scratch(0);
                e.gather(t, from, r0 + i, c0 + j, tr, tc);
                e.scatter(t, to, dr + i, dc + j, tr, tc);
                tileParity++;
            }
        }
    }

    private static void rank2(Node n, TensorType t) {
        if (t.rank() > 2) {
            throw unsupported(n, n.op().label() + " of rank " + t.rank() + " is not supported by code generation yet (rank 1 and 2)");
        }
    }

    private int axisOf(Node n) {
        int axis = (int) n.number("axis", type(n.name()).rank() - 1);
        return axis < 0 ? axis + type(n.name()).rank() : axis;
    }

    /** Slice along an axis: a block copy (a rank-1 tensor is one line, so its axis is the columns). */
    private void slice(Node n) {
        TensorType in = type(n.inputs().get(0));
        rank2(n, in);
        boolean cols = axisOf(n) == in.rank() - 1;
        int start = (int) n.number("start", 0);
        TensorType out = type(n.name());
        copy(n.inputs().get(0), cols ? 0 : start, cols ? start : 0, rowsOf(out), out.cols(), n.name(), 0, 0);
    }

    private void concat(Node n) {
        TensorType out = type(n.name());
        rank2(n, out);
        boolean cols = axisOf(n) == out.rank() - 1;
        int at = 0;
        for (String in : n.inputs()) {
            TensorType t = type(in);
            copy(in, 0, 0, rowsOf(t), t.cols(), n.name(), cols ? 0 : at, cols ? at : 0);
            at += cols ? t.cols() : rowsOf(t);
        }
    }

    /**
     * Reshape keeps row-major element order. Pages are 2-D (the last dim is the columns), so every output
     * row is copied from the input runs it spans, in pieces of at most one tile.
     */
    private void reshape(Node n) {
        TensorType in = type(n.inputs().get(0));
        TensorType out = type(n.name());
        rank2(n, in);
        rank2(n, out);
        int inCols = in.cols();
        int outCols = out.cols();
        int outRows = rowsOf(out);
        if (inCols == outCols) {
            copy(n.inputs().get(0), 0, 0, rowsOf(in), inCols, n.name(), 0, 0);
            return;
        }
        for (int r = 0; r < outRows; r++) {
            long flat = (long) r * outCols;
            int done = 0;
            while (done < outCols) {
                long f = flat + done;
                int ir = (int) (f / inCols);
                int ic = (int) (f % inCols);
                int len = Math.min(Math.min(outCols - done, inCols - ic), TILE);
                copy(n.inputs().get(0), ir, ic, 1, len, n.name(), r, done);
                done += len;
            }
        }
    }

    /** IR all_reduce over every sentron of the run: each tile combined in place with REDUCE (sum, max, min, mean). */
    private void allReduce(Node n) {
        TensorType t = type(n.name());
        rank2(n, t);
        String how = String.valueOf(n.attrs().getOrDefault("op", "sum"));
        if (!java.util.Set.of("sum", "max", "min", "mean").contains(how)) {
            throw unsupported(n, "op=" + how + " is not a reduction; expected sum, max, min or mean");
        }
        int rows = rowsOf(t);
        int tr = Math.min(TILE, rows);
        int tc = Math.min(TILE, t.cols());
        for (int[] o : tiles(rows, t.cols(), tr, tc)) {
            int x = scratch(0);
            e.gather(x, n.inputs().get(0), o[0], o[1], tr, tc);
            e.reduce(x, how, tr, tc);
            e.scatter(x, n.name(), o[0], o[1], tr, tc);
            tileParity++;
        }
    }

    private void transpose(Node n) {
        TensorType in = type(n.inputs().get(0));
        if (in.rank() != 2) {
            throw unsupported(n, "transpose of rank " + in.rank() + " is not supported by code generation yet (rank 2 only)");
        }
        int rows = type(n.name()).rows();
        int cols = type(n.name()).cols();
        int tr = Math.min(TILE, rows);
        int tc = Math.min(TILE, cols);
        for (int[] o : tiles(rows, cols, tr, tc)) {
            int tx = scratch(0);
            int td = scratch(1);
            e.gather(tx, n.inputs().get(0), o[1], o[0], tc, tr);
            e.d("TRN T" + td + ", T" + tx, td, 0, tx);
            e.scatter(td, n.name(), o[0], o[1], tr, tc);
            tileParity++;
        }
    }
}

package ai.vtpu.isa.verify;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.program.GroupDecl;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.CComm;
import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.Form;
import ai.vtpu.isa.siw.Op;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Pipe;
import ai.vtpu.isa.siw.Regs;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.STile;
import ai.vtpu.isa.siw.Siw;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a program as a whole (docs/ISA.md §7): declarations, branch targets, loops that cannot
 * terminate, and, by a data-flow fixpoint over the control-flow graph, tile shapes and hazards that
 * the waits do not cover. Returns every finding; an empty list means the program is valid.
 */
public final class Validator {

    private final Program program;
    private final List<Siw> code;
    private final Map<String, Diagnostic> found = new LinkedHashMap<>();

    private Validator(Program program) {
        this.program = program;
        this.code = program.code();
    }

    public static List<Diagnostic> validate(Program program) {
        return new Validator(program).run();
    }

    private List<Diagnostic> run() {
        declarations();
        controlFlow();
        dataFlow();
        List<Diagnostic> out = new ArrayList<>(found.values());
        out.sort(Comparator.comparingInt(Diagnostic::siw));
        return out;
    }

    private void report(ErrorCode code, int siw, Pipe slot, String message) {
        found.putIfAbsent(siw + "|" + code + "|" + slot + "|" + message, new Diagnostic(code, siw, slot, message));
    }

    // ------------------------------------------------------------------ declarations

    private void declarations() {
        Map<String, TensorDecl> names = new HashMap<>();
        Map<PhextCoord, TensorDecl> pages = new HashMap<>();
        for (TensorDecl t : program.tensors()) {
            if (names.putIfAbsent(t.name(), t) != null) {
                report(ErrorCode.BAD_DECLARATION, -1, null, "tensor " + t.name() + " is declared twice");
            }
            for (PhextCoord page : t.pages()) {
                TensorDecl other = pages.putIfAbsent(page, t);
                if (other != null && other != t) {
                    report(ErrorCode.BAD_DECLARATION, -1, null, "tensors " + other.name() + " and " + t.name()
                            + " share the page at " + page);
                }
            }
        }
        Set<Integer> ids = new HashSet<>();
        for (GroupDecl g : program.groups()) {
            if (!ids.add(g.id())) {
                report(ErrorCode.BAD_DECLARATION, -1, null, "group " + g.id() + " is declared twice");
            }
        }
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i).c() instanceof CComm m && usesGroup(m.opcode()) && m.group() != 0 && !ids.contains(m.group())) {
                report(ErrorCode.UNDECLARED_GROUP, i, Pipe.C, m.opcode().mnemonic() + " uses group " + m.group()
                        + ", which the program does not declare (add .group " + m.group() + " = ...; group 0 is all sentrons)");
            }
        }
    }

    private static boolean usesGroup(Opcode op) {
        return op == Opcode.BAR || op == Opcode.REDUCE || op == Opcode.CAST || op == Opcode.ALLGATHER;
    }

    // ------------------------------------------------------------------ control flow

    private void controlFlow() {
        int n = code.size();
        for (int i = 0; i < n; i++) {
            if (!(code.get(i).c() instanceof CBranch b) || !b.mayJump()) {
                continue;
            }
            if (b.target() >= n) {
                report(ErrorCode.BRANCH_RANGE, i, Pipe.C, b.opcode().mnemonic() + " targets SIW " + b.target()
                        + ", but the program has " + n + " SIWs");
                continue;
            }
            int t = (int) b.target();
            if (t > i) {
                continue;
            }
            switch (b.opcode()) {
                case JMP -> {
                    if (!hasExit(t, i)) {
                        report(ErrorCode.NONTERMINATING_LOOP, i, Pipe.C, "JMP back to SIW " + t
                                + " closes a loop over SIWs " + t + ".." + i + " that has no exit");
                    }
                }
                case BRZ, BRNZ -> {
                    if (!hasExit(t, i) && writer(b.reg(), t, i, -1) < 0) {
                        report(ErrorCode.NONTERMINATING_LOOP, i, Pipe.C, b.opcode().mnemonic() + " R" + b.reg()
                                + " back to SIW " + t + ": the loop body never writes R" + b.reg()
                                + ", so once taken it is taken forever");
                    }
                }
                case LOOP -> {
                    int w = writer(b.reg(), t, i, i);
                    if (w >= 0) {
                        report(ErrorCode.NONTERMINATING_LOOP, i, Pipe.C, "LOOP counter R" + b.reg()
                                + " is also written inside its body (SIW " + w + "), so the loop may never end");
                    }
                }
                default -> { }
            }
        }
    }

    /** True when some SIW in [from, to) can leave the range: HALT, or a branch out of it. */
    private boolean hasExit(int from, int to) {
        for (int k = from; k < to; k++) {
            if (code.get(k).c() instanceof CBranch b) {
                if (b.opcode() == Opcode.HALT) {
                    return true;
                }
                if (b.target() < from || b.target() > to) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first SIW in [from, to] other than {@code except} with an op that writes scalar {@code reg}, or -1. */
    private int writer(int reg, int from, int to, int except) {
        long bit = Regs.scalar(reg);
        for (int k = from; k <= to; k++) {
            if (k == except) {
                continue;
            }
            Siw s = code.get(k);
            if (((s.d().writes() | s.s().writes() | s.c().writes()) & bit) != 0) {
                return k;
            }
        }
        return -1;
    }

    // ------------------------------------------------------------------ data flow

    /**
     * The fixpoint keeps a state only at the start of each basic block (SIW 0, branch targets and the SIW
     * after a branch) and walks straight-line code with one working state, so memory grows with the number
     * of blocks, not of SIWs.
     */
    private void dataFlow() {
        int n = code.size();
        if (n == 0) {
            return;
        }
        BitSet leader = new BitSet(n);
        leader.set(0);
        for (int i = 0; i < n; i++) {
            if (code.get(i).c() instanceof CBranch b) {
                if (i + 1 < n) {
                    leader.set(i + 1);
                }
                if (b.mayJump() && b.target() < n) {
                    leader.set((int) b.target());
                }
            }
        }
        Map<Integer, State> entry = new HashMap<>();
        entry.put(0, State.initial());
        ArrayDeque<Integer> work = new ArrayDeque<>();
        BitSet queued = new BitSet(n);
        work.add(0);
        queued.set(0);
        while (!work.isEmpty()) {
            int start = work.poll();
            queued.clear(start);
            State st = entry.get(start).copy();
            int i = start;
            while (true) {
                transfer(i, st);
                int[] succ = successors(i);
                if (succ.length == 1 && !leader.get(succ[0])) {
                    i = succ[0];
                    continue;
                }
                for (int next : succ) {
                    State e = entry.get(next);
                    if (e == null) {
                        entry.put(next, st.copy());
                    } else if (!e.joinChanged(st)) {
                        continue;
                    }
                    if (!queued.get(next)) {
                        queued.set(next);
                        work.add(next);
                    }
                }
                break;
            }
        }
    }

    private int[] successors(int i) {
        int n = code.size();
        int next = i + 1 < n ? i + 1 : -1;
        if (code.get(i).c() instanceof CBranch b) {
            int target = b.mayJump() && b.target() < n ? (int) b.target() : -1;
            int fall = b.mayFallThrough() ? next : -1;
            return Arrays.stream(new int[] {fall, target}).filter(x -> x >= 0).distinct().toArray();
        }
        return next < 0 ? new int[0] : new int[] {next};
    }

    /** Which queue an op's accesses stay pending in: 0 = S pipe, 1 = C pipe, -1 = not queued. */
    private static int queueOf(Op op) {
        if (!op.opcode().isQueued()) {
            return -1;
        }
        return op.opcode().pipe() == Pipe.S ? 0 : 1;
    }

    private static final String[] QUEUE = {"S", "C"};

    private void transfer(int i, State st) {
        Siw siw = code.get(i);
        // 1. Waits retire pending ops before anything of this SIW issues.
        if (siw.sync()) {
            st.retireAll();
        } else {
            st.retire(0, siw.waitS());
            st.retire(1, siw.waitC());
        }
        // 2. Hazards: each op against the other queue's pending accesses (and both queues for D/control).
        Op[] ops = {siw.d(), siw.s(), siw.c()};
        for (Op op : ops) {
            if (op.opcode().isNop()) {
                continue;
            }
            int own = queueOf(op);
            for (int q = 0; q < 2; q++) {
                if (q != own) {
                    hazards(i, op, q, st);
                }
            }
        }
        // 3. Two ops of one SIW writing one register.
        for (int a = 0; a < 3; a++) {
            for (int b = a + 1; b < 3; b++) {
                long both = ops[a].writes() & ops[b].writes();
                if (both != 0) {
                    report(ErrorCode.WRITE_CONFLICT, i, Pipe.values()[b], ops[a].opcode().mnemonic() + " and "
                            + ops[b].opcode().mnemonic() + " both write " + Regs.names(both));
                }
            }
        }
        // 4. Shapes, in sequential order: all ops read the state from before the SIW.
        int[] before = st.shapes.clone();
        shapes(i, siw, before, st.shapes);
        // 5. Issue: queued ops become pending.
        for (Op op : ops) {
            int q = queueOf(op);
            if (q < 0) {
                continue;
            }
            int signal = op instanceof SOp s ? s.signal() : ((ai.vtpu.isa.siw.COp) op).signal();
            st.issue(q, signal, op.reads(), op.writes(), i);
        }
    }

    private void hazards(int i, Op op, int q, State st) {
        Pipe slot = op.opcode().pipe();
        String mn = op.opcode().mnemonic();
        for (long rest = op.reads(); rest != 0; rest &= rest - 1) {
            int reg = Long.numberOfTrailingZeros(rest);
            if (st.pending(q, reg, State.W)) {
                report(ErrorCode.HAZARD, i, slot, mn + " reads " + Regs.name(reg) + ", which " + st.describe(q, reg, State.W, code)
                        + " writes and may not have retired: " + st.cure(q, reg, State.W));
            }
        }
        for (long rest = op.writes(); rest != 0; rest &= rest - 1) {
            int reg = Long.numberOfTrailingZeros(rest);
            if (st.pending(q, reg, State.R)) {
                report(ErrorCode.HAZARD, i, slot, mn + " writes " + Regs.name(reg) + ", which " + st.describe(q, reg, State.R, code)
                        + " reads and may not have retired: " + st.cure(q, reg, State.R));
            }
            if (st.pending(q, reg, State.W)) {
                report(ErrorCode.HAZARD, i, slot, mn + " writes " + Regs.name(reg) + ", which " + st.describe(q, reg, State.W, code)
                        + " also writes and may not have retired: " + st.cure(q, reg, State.W));
            }
        }
    }

    // ------------------------------------------------------------------ shapes

    private void need(int i, Pipe slot, Opcode op, int[] shapes, int reg, String role) {
        if (shapes[reg] == Shape.UNDEF) {
            report(ErrorCode.UNDEFINED_TILE, i, slot, op.mnemonic() + " reads T" + reg + " (" + role
                    + "), which no path has written yet");
        }
    }

    private void shapes(int i, Siw siw, int[] in, int[] out) {
        dShape(i, siw.d(), in, out);
        if (siw.s() instanceof STile t) {
            int shape = Shape.of(t.rows(), t.cols());
            if (t.opcode() == Opcode.GATHER) {
                out[t.tile()] = shape;
            } else if (t.opcode() == Opcode.SCATTER) {
                need(i, Pipe.S, t.opcode(), in, t.tile(), "source");
                expect(i, Pipe.S, "SCATTER of T" + t.tile(), in[t.tile()], shape);
            }
        }
        if (siw.c() instanceof CComm m) {
            int shape = Shape.of(m.rows(), m.cols());
            switch (m.opcode()) {
                case SEND -> need(i, Pipe.C, m.opcode(), in, m.tile(), "the tile sent");
                case RECV -> out[m.tile()] = shape;
                case CAST -> {
                    // Every member runs this SIW, the root too, so the root's tile must have been written.
                    need(i, Pipe.C, m.opcode(), in, m.tile(), "the root's tile");
                    out[m.tile()] = shape;
                }
                case REDUCE -> need(i, Pipe.C, m.opcode(), in, m.tile(), "this member's contribution");
                case ALLGATHER -> {
                    need(i, Pipe.C, m.opcode(), in, m.src(), "this member's contribution");
                    int src = in[m.src()];
                    if (Shape.known(src) && Shape.cols(src) != m.cols()) {
                        report(ErrorCode.SHAPE_MISMATCH, i, Pipe.C, "ALLGATHER: T" + m.src() + " is " + Shape.text(src)
                                + " but the result " + Shape.text(shape) + " needs " + m.cols() + " columns");
                    }
                    out[m.tile()] = shape;
                }
                default -> { }
            }
        }
    }

    private void expect(int i, Pipe slot, String what, int actual, int wanted) {
        if (Shape.known(actual) && actual != wanted) {
            report(ErrorCode.SHAPE_MISMATCH, i, slot, what + ": the tile is " + Shape.text(actual) + ", the op says "
                    + Shape.text(wanted));
        }
    }

    private void broadcast(int i, Opcode op, int a, int b, int breg) {
        if (!Shape.known(a) || !Shape.known(b)) {
            return;
        }
        int r = Shape.rows(b);
        int c = Shape.cols(b);
        boolean ok = (r == Shape.rows(a) || r == 1) && (c == Shape.cols(a) || c == 1);
        if (!ok) {
            report(ErrorCode.SHAPE_MISMATCH, i, Pipe.D, op.mnemonic() + ": T" + breg + " is " + Shape.text(b)
                    + ", which does not broadcast to " + Shape.text(a) + " (same shape, 1x" + Shape.cols(a) + ", "
                    + Shape.rows(a) + "x1 or 1x1)");
        }
    }

    private void dShape(int i, DOp d, int[] in, int[] out) {
        Opcode op = d.opcode();
        Form f = op.form();
        if (f == Form.NONE) {
            return;
        }
        if (f == Form.FILL) {
            out[d.d()] = Shape.of(d.rows(), d.cols());
            return;
        }
        need(i, Pipe.D, op, in, d.a(), "operand a");
        int a = in[d.a()];
        switch (f) {
            case UNARY, CVT, NORM -> out[d.d()] = op == Opcode.TRN && Shape.known(a) ? Shape.of(Shape.cols(a), Shape.rows(a)) : a;
            case REDUCE -> out[d.d()] = Shape.known(a)
                    ? (d.has(DOp.COLS) ? Shape.of(1, Shape.cols(a)) : Shape.of(Shape.rows(a), 1)) : a;
            case BINARY, CMP -> {
                if (!d.has(DOp.IMM)) {
                    need(i, Pipe.D, op, in, d.b(), "operand b");
                    broadcast(i, op, a, in[d.b()], d.b());
                }
                out[d.d()] = a;
            }
            case TERNARY -> {
                need(i, Pipe.D, op, in, d.b(), "operand b");
                need(i, Pipe.D, op, in, d.c(), "operand c");
                broadcast(i, op, a, in[d.b()], d.b());
                broadcast(i, op, a, in[d.c()], d.c());
                out[d.d()] = a;
            }
            case MMA -> {
                need(i, Pipe.D, op, in, d.b(), "operand b");
                int b = in[d.b()];
                if (!d.has(DOp.ZERO)) {
                    need(i, Pipe.D, op, in, d.d(), "the accumulator; use 'zero' to overwrite it");
                }
                if (!Shape.known(a) || !Shape.known(b)) {
                    out[d.d()] = Shape.UNKNOWN;
                    return;
                }
                int ar = d.has(DOp.TA) ? Shape.cols(a) : Shape.rows(a);
                int ac = d.has(DOp.TA) ? Shape.rows(a) : Shape.cols(a);
                int br = d.has(DOp.TB) ? Shape.cols(b) : Shape.rows(b);
                int bc = d.has(DOp.TB) ? Shape.rows(b) : Shape.cols(b);
                if (ac != br) {
                    report(ErrorCode.SHAPE_MISMATCH, i, Pipe.D, "MMA: inner dimensions differ: op(T" + d.a() + ") is "
                            + ar + "x" + ac + ", op(T" + d.b() + ") is " + br + "x" + bc);
                    out[d.d()] = Shape.UNKNOWN;
                    return;
                }
                int result = Shape.of(ar, bc);
                if (!d.has(DOp.ZERO)) {
                    expect(i, Pipe.D, "MMA accumulator T" + d.d(), in[d.d()], result);
                }
                out[d.d()] = result;
            }
            default -> throw new IllegalStateException(op + " in the D slot");
        }
    }

    /** Tile shapes packed in an int: rows << 16 | cols, with two special values. */
    static final class Shape {
        static final int UNDEF = -1;
        static final int UNKNOWN = -2;

        private Shape() {
        }

        static int of(int rows, int cols) {
            return rows << 16 | cols;
        }

        static boolean known(int s) {
            return s >= 0;
        }

        static int rows(int s) {
            return s >>> 16;
        }

        static int cols(int s) {
            return s & 0xFFFF;
        }

        static String text(int s) {
            return rows(s) + "x" + cols(s);
        }

        static int join(int a, int b) {
            if (a == b || b == UNDEF) {
                return a;
            }
            return a == UNDEF ? b : UNKNOWN;
        }
    }

    /**
     * The abstract state at one program point: tile shapes, and for each queue, register and access kind
     * the set of "retire masks" of pending accesses. An access's retire mask holds the tags signalled by
     * its op or by any later op of the same queue; waiting on any tag in it retires the access (the
     * queue retires in order). A set of masks is a 256-bit set.
     */
    static final class State {
        static final int R = 0;
        static final int W = 1;
        private static final int REGS = 40;
        private static final int WORDS = 4;

        final int[] shapes = new int[Regs.TILES];
        /** [queue][reg][kind][word] flattened. */
        final long[] masks = new long[2 * REGS * 2 * WORDS];
        /** The latest SIW that made a pending access, per [queue][reg][kind], for messages. */
        final int[] origin = new int[2 * REGS * 2];

        static State initial() {
            State s = new State();
            Arrays.fill(s.shapes, Shape.UNDEF);
            Arrays.fill(s.origin, -1);
            return s;
        }

        State copy() {
            State s = new State();
            System.arraycopy(shapes, 0, s.shapes, 0, shapes.length);
            System.arraycopy(masks, 0, s.masks, 0, masks.length);
            System.arraycopy(origin, 0, s.origin, 0, origin.length);
            return s;
        }

        private static int slot(int q, int reg, int kind) {
            return (q * REGS + reg) * 2 + kind;
        }

        boolean joinChanged(State o) {
            boolean changed = false;
            for (int k = 0; k < shapes.length; k++) {
                int j = Shape.join(shapes[k], o.shapes[k]);
                if (j != shapes[k]) {
                    shapes[k] = j;
                    changed = true;
                }
            }
            for (int k = 0; k < masks.length; k++) {
                long j = masks[k] | o.masks[k];
                if (j != masks[k]) {
                    masks[k] = j;
                    changed = true;
                }
            }
            for (int k = 0; k < origin.length; k++) {
                origin[k] = Math.max(origin[k], o.origin[k]);
            }
            return changed;
        }

        void retireAll() {
            Arrays.fill(masks, 0);
        }

        /** Removes every pending access of queue q whose retire mask meets the wait mask. */
        void retire(int q, int wait) {
            if (wait == 0) {
                return;
            }
            for (int reg = 0; reg < REGS; reg++) {
                for (int kind = 0; kind < 2; kind++) {
                    int base = slot(q, reg, kind) * WORDS;
                    for (int m = 1; m < 256; m++) {
                        if ((m & wait) != 0) {
                            masks[base + (m >>> 6)] &= ~(1L << (m & 63));
                        }
                    }
                }
            }
        }

        /** A new op of queue q: earlier pending accesses of q gain its tag; its own accesses become pending. */
        void issue(int q, int signal, long reads, long writes, int siw) {
            if (signal >= 0) {
                int bit = 1 << signal;
                for (int reg = 0; reg < REGS; reg++) {
                    for (int kind = 0; kind < 2; kind++) {
                        int base = slot(q, reg, kind) * WORDS;
                        long[] next = new long[WORDS];
                        for (int m = 0; m < 256; m++) {
                            if ((masks[base + (m >>> 6)] & (1L << (m & 63))) != 0) {
                                int nm = m | bit;
                                next[nm >>> 6] |= 1L << (nm & 63);
                            }
                        }
                        System.arraycopy(next, 0, masks, base, WORDS);
                    }
                }
            }
            int own = signal >= 0 ? 1 << signal : 0;
            add(q, reads, R, own, siw);
            add(q, writes, W, own, siw);
        }

        private void add(int q, long regs, int kind, int mask, int siw) {
            for (long rest = regs; rest != 0; rest &= rest - 1) {
                int reg = Long.numberOfTrailingZeros(rest);
                int s = slot(q, reg, kind);
                masks[s * WORDS + (mask >>> 6)] |= 1L << (mask & 63);
                origin[s] = siw;
            }
        }

        boolean pending(int q, int reg, int kind) {
            int base = slot(q, reg, kind) * WORDS;
            for (int w = 0; w < WORDS; w++) {
                if (masks[base + w] != 0) {
                    return true;
                }
            }
            return false;
        }

        String describe(int q, int reg, int kind, List<Siw> code) {
            int o = origin[slot(q, reg, kind)];
            if (o < 0) {
                return "an earlier " + QUEUE[q] + " op";
            }
            Siw s = code.get(o);
            Op op = q == 0 ? s.s() : s.c();
            return "the " + QUEUE[q] + " op " + op.opcode().mnemonic() + " at SIW " + o;
        }

        /** What would cover the hazard: a wait on a tag that retires every pending access. */
        String cure(int q, int reg, int kind) {
            int base = slot(q, reg, kind) * WORDS;
            int common = 0xFF;
            for (int m = 0; m < 256; m++) {
                if ((masks[base + (m >>> 6)] & (1L << (m & 63))) != 0) {
                    common &= m;
                }
            }
            String pipe = QUEUE[q].toLowerCase(java.util.Locale.ROOT);
            if (common != 0) {
                return "add 'wait " + pipe + Integer.numberOfTrailingZeros(common) + "' to this SIW (or 'sync')";
            }
            return "signal a tag on that op (^n) and 'wait " + pipe + "n' here, or add 'sync' to this SIW";
        }
    }
}

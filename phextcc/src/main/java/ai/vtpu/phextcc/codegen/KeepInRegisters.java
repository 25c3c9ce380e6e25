package ai.vtpu.phextcc.codegen;

import ai.vtpu.isa.siw.Pipe;
import ai.vtpu.isa.siw.Regs;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * -O3: keeps values in tile registers between the nodes that make and use them. The lowering moves every
 * value through memory (each node gathers its operands and scatters its result, in fixed registers per
 * role). On each run of S and D ops between barriers (blocks and C ops) this pass
 * <ol>
 * <li>drops a GATHER of exactly the region that a SCATTER of the same run wrote last, the tensor's memory
 *     unwritten since: the GATHER's readers read the scattered value instead (likewise a GATHER of a page
 *     of a paged value that an earlier GATHER read);
 * <li>drops the SCATTERs (and PREFETCHes) of scratch tensors that nothing reads any more;
 * <li>assigns the registers again by a linear scan over the values' live ranges (the lowering's fixed
 *     registers would overwrite the values kept), taking the register freed last, so that few tiles are
 *     touched and they stay in cache.
 * </ol>
 * Where a kept value would need a seventeenth register, its GATHER stays. Values live into or out of a run
 * keep the registers the lowering gave them.
 */
final class KeepInRegisters {

    record Result(List<Instr> ops, int forwarded, int droppedScatters) {
    }

    private static final Pattern TILE = Pattern.compile("\\bT(\\d+)\\b");

    private KeepInRegisters() {
    }

    static Result run(List<Instr> ops, IntPredicate scratchMemory) {
        List<int[]> runs = runs(ops);
        BitSet[] liveOut = liveOut(ops, runs);
        List<Set<Integer>> refused = new ArrayList<>();
        for (int r = 0; r < runs.size(); r++) {
            refused.add(new HashSet<>());
        }
        while (true) {
            boolean[] drop = new boolean[ops.size()];
            List<Run> planned = new ArrayList<>();
            int forwarded = 0;
            for (int r = 0; r < runs.size(); r++) {
                Run run = new Run(ops, runs.get(r)[0], runs.get(r)[1], liveOut[r], refused.get(r));
                run.forward(drop);
                forwarded += run.forwarded.size();
                planned.add(run);
            }
            int dropped = dropDeadScatters(ops, drop, scratchMemory);
            Instr[] out = ops.toArray(new Instr[0]);
            boolean again = false;
            for (int r = 0; r < planned.size(); r++) {
                Run run = planned.get(r);
                if (run.forwarded.isEmpty()) {
                    continue; // registers as lowered
                }
                int failedAt = run.allocate(drop, out);
                if (failedAt != Integer.MIN_VALUE) {
                    refused.get(r).addAll(run.blame(failedAt));
                    again = true;
                }
            }
            if (again) {
                continue;
            }
            List<Instr> kept = new ArrayList<>();
            for (int i = 0; i < out.length; i++) {
                if (!drop[i]) {
                    kept.add(out[i]);
                }
            }
            return new Result(kept, forwarded, dropped);
        }
    }

    /** Maximal ranges [from, to) of S and D ops that write at most one tile. */
    private static List<int[]> runs(List<Instr> ops) {
        List<int[]> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= ops.size(); i++) {
            boolean inside = i < ops.size() && !barrier(ops.get(i));
            if (inside && start < 0) {
                start = i;
            } else if (!inside && start >= 0) {
                out.add(new int[] {start, i});
                start = -1;
            }
        }
        return out;
    }

    private static boolean barrier(Instr op) {
        return op.isBlock() || op.pipe() == Pipe.C || tiles(op.writes()).cardinality() > 1;
    }

    private static BitSet tiles(BitSet bits) {
        return bits.get(0, Regs.TILES);
    }

    /** The tiles live after each run (read later before being written), by a backward scan; blocks and C ops kill nothing. */
    private static BitSet[] liveOut(List<Instr> ops, List<int[]> runs) {
        BitSet[] out = new BitSet[runs.size()];
        Map<Integer, Integer> endOf = new HashMap<>();
        for (int r = 0; r < runs.size(); r++) {
            endOf.put(runs.get(r)[1], r);
        }
        BitSet live = new BitSet();
        for (int i = ops.size(); i >= 0; i--) {
            Integer r = endOf.get(i);
            if (r != null) {
                out[r] = (BitSet) live.clone();
            }
            if (i == 0) {
                break;
            }
            Instr op = ops.get(i - 1);
            if (!barrier(op)) {
                live.andNot(tiles(op.writes()));
            }
            live.or(tiles(op.reads()));
        }
        return out;
    }

    /** The tile an op writes, or -1. */
    private static int written(Instr op) {
        return op.writes().nextSetBit(0) < Regs.TILES ? op.writes().nextSetBit(0) : -1;
    }

    /**
     * Whether the op updates its destination in place: an accumulating MMA (it adds to its destination whether
     * or not it also names it as a source), or an op that reads the tile it writes without naming it. Its
     * result must take the register of the value it updates.
     */
    private static boolean inPlace(Instr op) {
        int w = written(op);
        if (w < 0 || !op.reads().get(w)) {
            return false;
        }
        if (op.pipe() == Pipe.D && op.asm().startsWith("MMA ") && !op.asm().contains(", zero")) {
            return true;
        }
        Matcher m = TILE.matcher(op.asm());
        int named = 0;
        while (m.find()) {
            named += Integer.parseInt(m.group(1)) == w ? 1 : 0;
        }
        return named == 1;
    }

    /** Whether the op before {@code i} is the CSET that sets the coordinate op {@code i} reads (and nothing else). */
    private static boolean csetBefore(List<Instr> ops, int i, int from) {
        if (i - 1 < from) {
            return false;
        }
        Instr c = ops.get(i - 1);
        return c.pipe() == Pipe.S && c.asm().startsWith("CSET ") && c.reads().isEmpty()
                && c.writes().cardinality() == 1 && ops.get(i).reads().get(c.writes().nextSetBit(0));
    }

    /**
     * SCATTERs and PREFETCHes (with their CSETs) of scratch tensors that no op left reads (a PREFETCH only
     * hints at a later read).
     */
    private static int dropDeadScatters(List<Instr> ops, boolean[] drop, IntPredicate scratchMemory) {
        BitSet read = new BitSet();
        for (int i = 0; i < ops.size(); i++) {
            if (!drop[i] && !prefetch(ops.get(i))) {
                read.or(ops.get(i).reads().get(Instr.MEMORY, Math.max(Instr.MEMORY, ops.get(i).reads().length())));
            }
        }
        int dropped = 0;
        for (int i = 0; i < ops.size(); i++) {
            Instr op = ops.get(i);
            Instr.Copy c = op.copy();
            int memory = c != null && c.scatter() ? c.region().memoryBit()
                    : prefetch(op) ? op.reads().nextSetBit(Instr.MEMORY) : -1;
            if (memory >= 0 && !drop[i] && scratchMemory.test(memory) && !read.get(memory - Instr.MEMORY) && csetBefore(ops, i, 0)) {
                drop[i] = true;
                drop[i - 1] = true;
                dropped += c != null ? 1 : 0;
            }
        }
        return dropped;
    }

    private static boolean prefetch(Instr op) {
        return op.pipe() == Pipe.S && op.asm().startsWith("PREFETCH ");
    }

    /**
     * One run of ops. Values are named by the op that makes them; the value a register holds when the run
     * starts is {@code -1 - register}.
     */
    private static final class Run {
        private final List<Instr> ops;
        private final int from;
        private final int to;
        private final BitSet liveOut;
        private final Set<Integer> refused;
        /** The value each op reads from each tile it reads, by op. */
        private final Map<Integer, Map<Integer, Integer>> reads = new HashMap<>();
        /** Forwarded GATHER -> the value its readers read instead. */
        final Map<Integer, Integer> forwarded = new HashMap<>();
        /** Forwarded GATHER -> the last op that read the value through its register. */
        private final Map<Integer, Integer> lastReadVia = new HashMap<>();
        /** In-place op -> the value it updates. */
        private final Map<Integer, Integer> updates = new HashMap<>();
        private final int[] last = new int[Regs.TILES];

        Run(List<Instr> ops, int from, int to, BitSet liveOut, Set<Integer> refused) {
            this.ops = ops;
            this.from = from;
            this.to = to;
            this.liveOut = liveOut;
            this.refused = refused;
        }

        private static int[] entry() {
            int[] cur = new int[Regs.TILES];
            for (int t = 0; t < cur.length; t++) {
                cur[t] = -1 - t;
            }
            return cur;
        }

        void forward(boolean[] drop) {
            // A value updated in place is gone after that op: it is never forwarded, and neither is a GATHER
            // whose value is updated in place (either would be read after the update).
            Set<Integer> updated = new HashSet<>();
            int[] cur = entry();
            for (int i = from; i < to; i++) {
                Instr op = ops.get(i);
                int w = written(op);
                if (w >= 0 && inPlace(op)) {
                    updated.add(cur[w]);
                }
                if (w >= 0) {
                    cur[w] = i;
                }
            }
            cur = entry();
            int[] via = new int[Regs.TILES];
            java.util.Arrays.fill(via, -1);
            Map<Instr.Region, Integer> holder = new HashMap<>(); // region -> the value a copy of which it holds
            for (int i = from; i < to; i++) {
                Instr op = ops.get(i);
                Map<Integer, Integer> rv = new HashMap<>();
                BitSet rt = tiles(op.reads());
                for (int t = rt.nextSetBit(0); t >= 0; t = rt.nextSetBit(t + 1)) {
                    rv.put(t, cur[t]);
                    if (via[t] >= 0) {
                        lastReadVia.put(via[t], i);
                    }
                }
                reads.put(i, rv);
                Instr.Copy c = op.copy();
                int w = written(op);
                if (c != null && !c.scatter() && c.inside() && !refused.contains(i) && !updated.contains(i)
                        && holder.containsKey(c.region()) && csetBefore(ops, i, from)) {
                    int h = holder.get(c.region());
                    drop[i] = true;
                    drop[i - 1] = true;
                    forwarded.put(i, h);
                    cur[w] = h;
                    via[w] = i;
                    continue;
                }
                if (w >= 0) {
                    if (inPlace(op)) {
                        updates.put(i, cur[w]);
                    }
                    cur[w] = i;
                    via[w] = -1;
                }
                BitSet mem = op.writes().get(Instr.MEMORY, Math.max(Instr.MEMORY, op.writes().length()));
                if (!mem.isEmpty()) {
                    // A SCATTER spoils what it overlaps; another memory write, all of the tensor's regions.
                    holder.keySet().removeIf(r -> c != null ? c.region().overlaps(r) : mem.get(r.memoryBit() - Instr.MEMORY));
                }
                if (c != null && c.scatter() && c.inside() && !updated.contains(rv.get(c.tile()))) {
                    holder.put(c.region(), rv.get(c.tile()));
                } else if (c != null && c.paged() && c.inside() && w >= 0 && !updated.contains(i)) {
                    // A page of a paged value read again (a block's input, for its residual): kept from the first
                    // GATHER. Not a weight: it is read on every page, and kept in registers all along it would
                    // take them from the values.
                    holder.put(c.region(), i);
                }
            }
            System.arraycopy(cur, 0, last, 0, last.length);
        }

        /** A unit of allocation: values that must share a register (an in-place update and what it updates). */
        private static final class Unit {
            int start = Integer.MAX_VALUE;
            int end = Integer.MIN_VALUE;
            int pin = -1;
            int phys = -1;
            boolean conflict;

            void pin(int t) {
                conflict |= pin >= 0 && pin != t;
                pin = t;
            }
        }

        /**
         * Assigns registers and writes the rewritten ops into {@code out}; returns the op index where no
         * register was free, or {@link Integer#MIN_VALUE} when all fitted.
         */
        int allocate(boolean[] drop, Instr[] out) {
            Map<Integer, Unit> unitOf = new HashMap<>();
            Map<Integer, Integer> start = new HashMap<>();
            Map<Integer, Integer> end = new HashMap<>();
            for (int i = from; i < to; i++) {
                if (drop[i]) {
                    continue;
                }
                for (int v : reads.get(i).values()) {
                    end.merge(v, i, Math::max);
                    start.putIfAbsent(v, bornOf(v));
                }
                if (written(ops.get(i)) >= 0) {
                    start.put(i, i);
                    end.merge(i, i, Math::max);
                }
            }
            for (int t = liveOut.nextSetBit(0); t >= 0 && t < Regs.TILES; t = liveOut.nextSetBit(t + 1)) {
                end.put(last[t], to);
                start.putIfAbsent(last[t], bornOf(last[t]));
            }
            List<Integer> values = new ArrayList<>(start.keySet());
            values.sort(Comparator.comparingInt((Integer v) -> start.get(v)).thenComparingInt(v -> v));
            for (int v : values) {
                Integer u = updates.get(v);
                Unit unit = u != null && unitOf.containsKey(u) ? unitOf.get(u) : new Unit();
                unitOf.put(v, unit);
                unit.start = Math.min(unit.start, start.get(v));
                unit.end = Math.max(unit.end, end.get(v));
                if (v < 0) {
                    unit.pin(-1 - v);
                }
            }
            for (int t = liveOut.nextSetBit(0); t >= 0 && t < Regs.TILES; t = liveOut.nextSetBit(t + 1)) {
                unitOf.get(last[t]).pin(t);
            }
            List<Unit> units = new ArrayList<>(new java.util.LinkedHashSet<>(unitOf.values()));
            units.sort(Comparator.comparingInt((Unit u) -> u.start).thenComparingInt(u -> u.pin >= 0 ? 0 : 1));
            List<Unit> pinned = units.stream().filter(u -> u.pin >= 0).toList();
            Deque<Integer> free = new ArrayDeque<>();
            for (int t = Regs.TILES - 1; t >= 0; t--) {
                free.push(t);
            }
            PriorityQueue<Unit> active = new PriorityQueue<>(Comparator.comparingInt(u -> u.end));
            for (Unit u : units) {
                if (u.conflict) {
                    return u.start;
                }
                while (!active.isEmpty() && active.peek().end < u.start) {
                    free.push(active.poll().phys);
                }
                if (u.pin >= 0) {
                    if (!free.remove(u.pin)) {
                        return Math.max(u.start, from);
                    }
                    u.phys = u.pin;
                } else {
                    for (int r : free) {
                        if (pinned.stream().noneMatch(p -> p.pin == r && p.start <= u.end && p.end >= u.start)) {
                            u.phys = r;
                            break;
                        }
                    }
                    if (u.phys < 0) {
                        return u.start;
                    }
                    free.remove(u.phys);
                }
                active.add(u);
            }
            for (int i = from; i < to; i++) {
                if (!drop[i]) {
                    out[i] = rewrite(ops.get(i), i, unitOf);
                }
            }
            return Integer.MIN_VALUE;
        }

        private Instr rewrite(Instr op, int i, Map<Integer, Unit> unitOf) {
            Map<Integer, Integer> rv = reads.get(i);
            int w = written(op);
            if (rv.isEmpty() && w < 0) {
                return op;
            }
            StringBuilder asm = new StringBuilder();
            Matcher m = TILE.matcher(op.asm());
            boolean first = true;
            while (m.find()) {
                int t = Integer.parseInt(m.group(1));
                int phys = first && w >= 0 ? unitOf.get(i).phys : unitOf.get(rv.get(t)).phys;
                first = false;
                m.appendReplacement(asm, "T" + phys);
            }
            m.appendTail(asm);
            BitSet r = (BitSet) op.reads().clone();
            r.clear(0, Regs.TILES);
            rv.values().forEach(v -> r.set(unitOf.get(v).phys));
            BitSet wr = (BitSet) op.writes().clone();
            Instr.Copy c = op.copy();
            if (w >= 0) {
                wr.clear(0, Regs.TILES);
                wr.set(unitOf.get(i).phys);
            }
            if (c != null) {
                int t = c.scatter() ? unitOf.get(rv.get(c.tile())).phys : unitOf.get(i).phys;
                c = c.withTile(t);
            }
            return new Instr(op.pipe(), asm.toString(), r, wr, op.async(), op.flops(), op.bytes(), c);
        }

        /** The forwards to refuse after no register was free at op {@code at}: the longest one live there, or all. */
        Set<Integer> blame(int at) {
            Integer worst = null;
            for (var f : forwarded.entrySet()) {
                int born = bornOf(f.getValue());
                int used = lastReadVia.getOrDefault(f.getKey(), f.getKey());
                if (born < at && used >= at && (worst == null || born < bornOf(forwarded.get(worst)))) {
                    worst = f.getKey();
                }
            }
            return worst != null ? Set.of(worst) : forwarded.keySet();
        }

        /** Where a value is made: its op, or before the run for one the run starts with. */
        private int bornOf(int value) {
            return value < 0 ? from - 1 : value;
        }
    }
}

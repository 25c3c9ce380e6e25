package ai.vtpu.phextcc.codegen;

import ai.vtpu.isa.siw.Pipe;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs ops into SIWs and adds the waits their dependencies need (docs/COMPILER.md, "SIW packing").
 * In-order bundling: each op goes into the earliest SIW, no earlier than the previous op's, that its
 * dependencies allow and whose slot for its pipe is free; the lowering's order is the issue order. With
 * {@code onePerSiw} (-O0) every op gets a SIW of its own. An asynchronous op (S, or communication C) signals a tag; an op of another pipe that
 * depends on it waits for that tag. Waiting for a tag waits for the newest op that signalled it, which
 * retires the op depended on too, so reusing tags is always safe.
 */
final class Scheduler {
    /** One SIW being filled. */
    static final class Slot {
        /** Ready-made lines of a block instead of ops, or null. */
        String raw;
        final String[] ops = new String[3];
        int waitS;
        int waitC;
        int[] signal = {-1, -1, -1};
    }

    private final boolean onePerSiw;
    private final List<Slot> siws = new ArrayList<>();
    private int nextTag;

    Scheduler(boolean onePerSiw) {
        this.onePerSiw = onePerSiw;
    }

    /** Where each resource was last written and read since, by op index. */
    private final Map<Integer, Integer> lastWriter = new HashMap<>();
    private final Map<Integer, List<Integer>> readers = new HashMap<>();

    /** A dependency of one op on an earlier one. */
    private record Dep(int on, boolean sameSiwAllowed, boolean mustWait) {
    }

    List<Slot> schedule(List<Instr> instrs) {
        // Pass 1: dependencies, and which async ops anyone must wait for (only those signal a tag).
        List<List<Dep>> deps = new ArrayList<>();
        boolean[] needsTag = new boolean[instrs.size()];
        // Blocks drain before and after themselves: dependencies on them need no wait.
        for (int i = 0; i < instrs.size(); i++) {
            Instr o = instrs.get(i);
            List<Dep> d = new ArrayList<>();
            // Read after write and write after write: strictly later, waiting when the producer is async.
            BitSet touched = (BitSet) o.reads().clone();
            touched.or(o.writes());
            for (int r = touched.nextSetBit(0); r >= 0; r = touched.nextSetBit(r + 1)) {
                Integer p = lastWriter.get(r);
                if (p != null) {
                    d.add(new Dep(p, false, needsWait(instrs.get(p), o)));
                }
            }
            // Write after read: a synchronous reader may share the SIW with a synchronous writer (ops read
            // the old state); an async writer there would make the runtime serialise the SIW, and an async
            // reader in another pipe must have retired first.
            for (int r = o.writes().nextSetBit(0); r >= 0; r = o.writes().nextSetBit(r + 1)) {
                for (int p : readers.getOrDefault(r, List.of())) {
                    Instr q = instrs.get(p);
                    d.add(new Dep(p, !q.async() && !o.async(), needsWait(q, o)));
                }
            }
            for (Dep x : d) {
                needsTag[x.on()] |= x.mustWait();
            }
            deps.add(d);
            for (int r = o.reads().nextSetBit(0); r >= 0; r = o.reads().nextSetBit(r + 1)) {
                readers.computeIfAbsent(r, k -> new ArrayList<>()).add(i);
            }
            for (int r = o.writes().nextSetBit(0); r >= 0; r = o.writes().nextSetBit(r + 1)) {
                lastWriter.put(r, i);
                readers.remove(r);
            }
        }
        // Pass 2: placement, earliest free slot first.
        int[] pos = new int[instrs.size()];
        int[] tag = new int[instrs.size()];
        int last = -1;
        int previous = 0;
        for (int i = 0; i < instrs.size(); i++) {
            Instr o = instrs.get(i);
            // In-order bundling: an op never goes before the op ahead of it in program order (it may share its SIW),
            // so the order the lowering chose (gathers of the next step before the current MMA) is the issue order.
            int earliest = onePerSiw ? last + 1 : Math.max(0, previous);
            for (Dep x : deps.get(i)) {
                earliest = Math.max(earliest, x.sameSiwAllowed() ? pos[x.on()] : pos[x.on()] + 1);
            }
            if (o.isBlock()) {
                Slot b = new Slot();
                b.raw = o.asm();
                siws.add(b);
                pos[i] = siws.size() - 1;
                last = pos[i];
                previous = pos[i] + 1; // nothing after the block may move before it
                continue;
            }
            int at = earliest;
            while (at < siws.size() && (siws.get(at).raw != null || siws.get(at).ops[o.pipe().ordinal()] != null)) {
                at++;
            }
            while (siws.size() <= at) {
                siws.add(new Slot());
            }
            Slot s = siws.get(at);
            s.ops[o.pipe().ordinal()] = o.asm();
            pos[i] = at;
            last = Math.max(last, at);
            previous = at;
            if (needsTag[i]) {
                tag[i] = nextTag;
                nextTag = (nextTag + 1) % 8;
                s.signal[o.pipe().ordinal()] = tag[i];
            }
            for (Dep x : deps.get(i)) {
                if (x.mustWait()) {
                    if (instrs.get(x.on()).pipe() == Pipe.S) {
                        s.waitS |= 1 << tag[x.on()];
                    } else {
                        s.waitC |= 1 << tag[x.on()];
                    }
                }
            }
        }
        return siws;
    }

    /** An async producer and a consumer in another pipe: the consumer must wait for the producer's tag. */
    private static boolean needsWait(Instr producer, Instr consumer) {
        return producer.async() && !consumer.isBlock() && producer.pipe() != consumer.pipe();
    }
}

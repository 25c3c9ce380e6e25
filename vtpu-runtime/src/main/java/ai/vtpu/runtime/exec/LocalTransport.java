package ai.vtpu.runtime.exec;

import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The transport between sentrons of one host: lock-free queues per (sender, receiver, channel) for
 * SEND/RECV, and per-group exchange slots with a barrier for the collectives. Collectives combine the
 * members' values in rank order on every member, so results are bit-identical. The barrier spins for
 * {@value #SPIN_NANOS} ns before it parks when the group has no more members than the host has cores: the
 * members are sentrons of one running program on cores of their own, and waking a parked thread took tens
 * of microseconds on the build VM (a lock-based barrier made every collective cost about 30 µs).
 */
public final class LocalTransport implements Transport {
    static final long SPIN_NANOS = 50_000;
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    private final long timeoutNanos;
    private final Map<Long, ConcurrentLinkedQueue<Message>> channels = new ConcurrentHashMap<>();
    private final Map<Integer, GroupState> groups = new ConcurrentHashMap<>();
    private volatile String aborted;

    public LocalTransport(long timeoutMillis) {
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    private static long key(int from, int to, int channel) {
        return ((long) from << 40) | ((long) to << 16) | channel;
    }

    @Override
    public void send(int from, int to, int channel, Message m) {
        channels.computeIfAbsent(key(from, to, channel), k -> new ConcurrentLinkedQueue<>()).add(m);
    }

    @Override
    public Message receive(int to, int from, int channel) {
        ConcurrentLinkedQueue<Message> q = channels.computeIfAbsent(key(from, to, channel), k -> new ConcurrentLinkedQueue<>());
        long start = System.nanoTime();
        long spins = 0;
        while (true) {
            Message m = q.poll();
            if (m != null) {
                return m;
            }
            checkAborted();
            if (System.nanoTime() - start > timeoutNanos) {
                throw new VtpuRuntimeException("RECV: no tile from sentron " + from + " on channel " + channel + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (is the peer running, and does it SEND?)");
            }
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    /** Exchange slots and a barrier for one group: a count of arrivals and a generation bumped by the last one. */
    private static final class GroupState {
        final int size;
        final Message[] slots;
        final AtomicInteger arrived = new AtomicInteger();
        volatile long generation;
        final Set<Thread> parked = ConcurrentHashMap.newKeySet();

        GroupState(int size) {
            this.size = size;
            slots = new Message[size];
        }
    }

    private GroupState group(int group, List<Integer> members) {
        return groups.computeIfAbsent(group, g -> new GroupState(members.size()));
    }

    private int rank(int self, List<Integer> members, int group) {
        int r = members.indexOf(self);
        if (r < 0) {
            throw new VtpuRuntimeException("sentron " + self + " is not a member of group " + group + " " + members);
        }
        return r;
    }

    private void checkAborted() {
        String why = aborted;
        if (why != null) {
            throw new VtpuRuntimeException("stopped: " + why);
        }
    }

    @Override
    public void abort(String reason) {
        aborted = reason;
        for (GroupState g : groups.values()) {
            g.parked.forEach(LockSupport::unpark); // waiters see the abort
        }
    }

    private void await(GroupState g, int group, String what) {
        checkAborted();
        long gen = g.generation;
        if (g.arrived.incrementAndGet() == g.size) {
            g.arrived.set(0);
            g.generation = gen + 1; // volatile: publishes the slots and the reset count to the members
            g.parked.forEach(LockSupport::unpark);
            return;
        }
        long start = System.nanoTime();
        Thread me = Thread.currentThread();
        boolean registered = false;
        // Spinning pays only while every member has a core; with more members than cores it would hold the core
        // a late member needs.
        long spin = g.size <= CORES ? SPIN_NANOS : 0;
        try {
            while (g.generation == gen) {
                checkAborted();
                long waited = System.nanoTime() - start;
                if (waited > timeoutNanos) {
                    throw new VtpuRuntimeException(what + " on group " + group + ": not every member arrived within "
                            + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
                }
                if (me.isInterrupted()) {
                    throw new VtpuRuntimeException(what + " on group " + group + " was interrupted");
                }
                if (waited < spin) {
                    Thread.onSpinWait();
                } else if (!registered) {
                    g.parked.add(me); // then look at the generation again before parking
                    registered = true;
                } else {
                    LockSupport.parkNanos(g, 1_000_000);
                }
            }
        } finally {
            if (registered) {
                g.parked.remove(me);
            }
        }
    }
    @Override
    public void barrier(int self, List<Integer> members, int group) {
        rank(self, members, group);
        await(group(group, members), group, "BAR");
    }

    @Override
    public void allReduce(int self, List<Integer> members, int group, ReduceOp op, Message mine) {
        int r = rank(self, members, group);
        GroupState g = group(group, members);
        g.slots[r] = mine;
        await(g, group, "REDUCE");
        int n = mine.rows() * mine.cols();
        float[] data = mine.data();
        float[] out = new float[n];
        for (int m = 0; m < members.size(); m++) {
            Message s = g.slots[m];
            if (s.rows() != mine.rows() || s.cols() != mine.cols()) {
                throw new VtpuRuntimeException("REDUCE on group " + group + ": member " + members.get(m) + " contributes a "
                        + s.rows() + "x" + s.cols() + " tile, this one " + mine.rows() + "x" + mine.cols());
            }
            float[] v = s.data();
            for (int i = 0; i < n; i++) {
                out[i] = m == 0 ? v[i] : switch (op) {
                    case SUM, MEAN -> out[i] + v[i];
                    case MAX -> Math.max(out[i], v[i]);
                    case MIN -> Math.min(out[i], v[i]);
                };
            }
        }
        if (op == ReduceOp.MEAN) {
            float count = members.size();
            for (int i = 0; i < n; i++) {
                out[i] /= count;
            }
        }
        await(g, group, "REDUCE"); // nobody reads the slots any more
        System.arraycopy(out, 0, data, 0, n);
    }

    @Override
    public Message broadcast(int self, List<Integer> members, int group, int root, Message mine) {
        int r = rank(self, members, group);
        int rootRank = rank(root, members, group);
        GroupState g = group(group, members);
        if (r == rootRank) {
            g.slots[rootRank] = mine;
        }
        await(g, group, "CAST");
        Message m = g.slots[rootRank];
        Message copy = new Message(m.rows(), m.cols(), m.data().clone());
        await(g, group, "CAST");
        return copy;
    }

    @Override
    public Message allGather(int self, List<Integer> members, int group, Message mine) {
        int r = rank(self, members, group);
        GroupState g = group(group, members);
        g.slots[r] = mine;
        await(g, group, "ALLGATHER");
        int rows = 0;
        int cols = mine.cols();
        for (Message m : g.slots) {
            if (m.cols() != cols) {
                throw new VtpuRuntimeException("ALLGATHER on group " + group + ": members contribute different column counts");
            }
            rows += m.rows();
        }
        float[] out = new float[rows * cols];
        int at = 0;
        for (Message m : g.slots) {
            System.arraycopy(m.data(), 0, out, at, m.rows() * cols);
            at += m.rows() * cols;
        }
        await(g, group, "ALLGATHER");
        return new Message(rows, cols, out);
    }
}

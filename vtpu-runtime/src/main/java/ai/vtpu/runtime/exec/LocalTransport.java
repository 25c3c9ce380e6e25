package ai.vtpu.runtime.exec;

import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The transport between sentrons of one host: lock-free queues per (sender, receiver, channel) for
 * SEND/RECV, and per-group exchange slots with a barrier for the collectives. Collectives combine the
 * members' values in rank order on every member, so results are bit-identical.
 */
public final class LocalTransport implements Transport {
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

    /** Exchange slots and a barrier for one group. */
    private static final class GroupState {
        final CyclicBarrier barrier;
        final Message[] slots;

        GroupState(int size) {
            barrier = new CyclicBarrier(size);
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
            g.barrier.reset(); // waiters get BrokenBarrierException
        }
    }

    private void await(GroupState g, int group, String what) {
        checkAborted();
        try {
            g.barrier.await(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | BrokenBarrierException e) {
            checkAborted();
            throw new VtpuRuntimeException(what + " on group " + group + ": not every member arrived within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtpuRuntimeException(what + " on group " + group + " was interrupted");
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

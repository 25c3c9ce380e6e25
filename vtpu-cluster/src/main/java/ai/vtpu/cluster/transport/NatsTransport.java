package ai.vtpu.cluster.transport;

import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.transport.Frame.Kind;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.Transport;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The C pipe between sentrons on different hosts, over core NATS subjects (no JetStream: this is the data path).
 * One instance per host and run; it serves the run's sentrons that live on this host ({@code local}).
 *
 * <ul>
 *   <li>SEND/RECV: frames to {@code vtpu.c.<run>.s.<to>}; to a local sentron, straight into its queue. Flow control:
 *       at most {@link #WINDOW_BYTES} unacknowledged bytes per sender and receiver; the receiver acknowledges what it
 *       takes, so a fast sender waits for a slow receiver instead of flooding it.</li>
 *   <li>Collectives: every member publishes once to the run's group subject {@code vtpu.c.<run>.g}, which the server
 *       fans out, and combines what it receives in rank order, so results are bit-identical on every member and equal
 *       to {@link ai.vtpu.runtime.exec.LocalTransport}'s. All-reduce of a tile up to {@link #DIRECT_MAX_BYTES}: direct
 *       exchange (one round). Larger: reduce-scatter (segment j of every member goes to member j, which adds the n
 *       contributions in rank order) then all-gather of the reduced segments through the group subject.</li>
 *   <li>Tiles larger than a NATS message are chunked into frames and reassembled.</li>
 *   <li>A peer that disappears: every wait ends after the timeout with an error naming the peer; a failing sentron
 *       publishes an abort on {@code vtpu.c.<run>.abort}, which stops the other hosts at once.</li>
 * </ul>
 */
public final class NatsTransport implements Transport, AutoCloseable {
    /** Unacknowledged SEND bytes one sender may have towards one receiver. */
    static final long WINDOW_BYTES = 16L << 20;
    /** All-reduce tiles up to this size go by direct exchange; larger by reduce-scatter + all-gather. */
    static final int DIRECT_MAX_BYTES = 256 << 10;

    private static final int OP_ALL = 1;      // all-reduce, direct exchange: whole tile
    private static final int OP_RS = 2;       // all-reduce: one member's segment for its owner
    private static final int OP_AG = 3;       // all-reduce: an owner's reduced segment
    private static final int OP_BCAST = 4;
    private static final int OP_GATHER = 5;
    private static final int OP_BARRIER = 6;

    private final Connection nc;
    private final String run;
    private final Set<Integer> local;
    private final long timeoutNanos;
    private final int chunkFloats;
    private final Dispatcher dispatcher;
    private final boolean relay;
    /** Groups without a member on this host: their frames are not for us. */
    private final Set<Integer> foreignGroups;
    /** Whether NATS delivers this connection's own messages back to it; without echo, own group messages are kept locally. */
    private final boolean echo;
    private volatile String aborted;

    private record P2pKey(int from, int to, int channel) {
    }

    private record GroupKey(int group, int round, int op, int from, int target) {
    }

    /** A tile being reassembled from its frames. */
    private static final class Partial {
        final float[] data;
        final int rows;
        final int cols;
        int received;

        Partial(int rows, int cols) {
            this.rows = rows;
            this.cols = cols;
            this.data = new float[rows * cols];
        }
    }

    private final Map<P2pKey, ConcurrentLinkedQueue<Received>> queues = new ConcurrentHashMap<>();
    private final Map<Object, Partial> partials = new ConcurrentHashMap<>();
    private final Map<GroupKey, Transport.Message> arrived = new ConcurrentHashMap<>();
    /** Per (group, round): how many local members are done with it, to free its messages. */
    private final Map<Long, Integer> roundsDone = new ConcurrentHashMap<>();
    /** Per group: every round up to this one is finished by all local members (rounds finish in order). */
    private final Map<Integer, Integer> finishedUpTo = new ConcurrentHashMap<>();
    /** Per (sentron, group): the next round number of that sentron's collectives on that group. */
    private final Map<Long, Integer> rounds = new ConcurrentHashMap<>();
    /** Per (sender, receiver): bytes sent and not yet acknowledged. */
    private final Map<Long, AtomicLong> inFlight = new ConcurrentHashMap<>();
    /** Barriers: per (group, round), the local members that arrived, and whether the round is released here. */
    private final Map<Long, BarrierRound> barrierRounds = new ConcurrentHashMap<>();
    /** Sentron threads waiting for a message: woken by the dispatcher on every arrival instead of spinning. */
    private final Set<Thread> waiters = ConcurrentHashMap.newKeySet();
    /** The sentrons whose hosts have said hello (subscribed). */
    private final Set<Integer> joined = ConcurrentHashMap.newKeySet();

    /** A received tile and the bytes it cost on the wire (acknowledged when taken). */
    private record Received(Transport.Message m, long bytes) {
    }

    /**
     * @param run the run's id (a subject token, e.g. the job id and attempt), the same on every host
     * @param local the sentrons of the run that execute on this host
     */
    public NatsTransport(Connection nc, String run, Set<Integer> local, int sentrons, long timeoutMillis) {
        this(nc, run, local, sentrons, timeoutMillis, 0, false);
    }

    /**
     * @param chunkFloats floats per frame, 0 for as many as a NATS message holds (tests use small ones)
     * @param relay send frames for other hosts through router-svc's relay instead of directly (for hosts that cannot
     *              reach each other's subjects; one hop more, measured in BENCHMARKS.md)
     */
    public NatsTransport(Connection nc, String run, Set<Integer> local, int sentrons, long timeoutMillis, int chunkFloats, boolean relay) {
        this(nc, run, local, sentrons, timeoutMillis, chunkFloats, relay, null);
    }

    /**
     * @param groups the run's groups (id -> members) when known, as a program declares them: frames of a group with no
     *               member on this host are then dropped on arrival instead of kept for a reader that never comes
     */
    public NatsTransport(Connection nc, String run, Set<Integer> local, int sentrons, long timeoutMillis, int chunkFloats, boolean relay,
                         Map<Integer, List<Integer>> groups) {
        this.nc = nc;
        this.foreignGroups = groups == null ? Set.of() : groups.entrySet().stream()
                .filter(e -> e.getValue().stream().noneMatch(local::contains)).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.relay = relay;
        this.run = Subjects.token(run);
        this.local = Set.copyOf(local);
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        long max = nc.getServerInfo() == null ? 1 << 20 : nc.getServerInfo().getMaxPayload();
        this.chunkFloats = chunkFloats > 0 ? chunkFloats : (int) Math.max(1024, (Math.min(max, 8 << 20) - Frame.HEADER - 512) / 4);
        this.echo = !nc.getOptions().isNoEcho();
        this.dispatcher = nc.createDispatcher(this::onFrame);
        // The data path must not be dropped as a slow consumer while a sentron is busy computing.
        dispatcher.setPendingLimits(-1, -1);
        for (int s : local) {
            dispatcher.subscribe(subject("s." + s));
            dispatcher.subscribe(subject("ack." + s));
        }
        dispatcher.subscribe(subject("g"));
        dispatcher.subscribe(subject("abort"));
        dispatcher.subscribe(subject("hello"));
        try {
            nc.flush(java.time.Duration.ofSeconds(5));
            join(sentrons);
        } catch (RuntimeException | java.util.concurrent.TimeoutException | InterruptedException e) {
            close(); // no subscriptions left behind on the agent's connection, and the routes go
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof VtpuRuntimeException v ? v : new VtpuRuntimeException("C pipe of run " + run + ": " + e.getMessage());
        }
    }

    /**
     * Waits until the hosts of every sentron of the run have subscribed (core NATS keeps nothing for a subscriber
     * that comes later): each host says hello with its sentrons once subscribed, again every 20 ms until it has heard
     * all, and answers the hello of a host that has not.
     */
    private void join(int sentrons) {
        joined.addAll(local); // without echo our own hello never comes back
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            hello(false);
            long until = System.nanoTime() + 20_000_000L;
            while (System.nanoTime() < until) {
                if (joined.size() >= sentrons) {
                    hello(true);
                    return;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new VtpuRuntimeException("C pipe of run " + run + ": interrupted while waiting for the other hosts");
                }
                LockSupport.parkNanos(200_000);
            }
            if (System.nanoTime() > deadline) {
                List<Integer> missing = java.util.stream.IntStream.range(0, sentrons).filter(s -> !joined.contains(s)).boxed().toList();
                throw new VtpuRuntimeException("C pipe of run " + run + ": the hosts of sentrons " + missing + " did not join within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            }
        }
    }

    private void hello(boolean complete) {
        StringBuilder sb = new StringBuilder(complete ? "1" : "0").append(';');
        local.forEach(s -> sb.append(s).append(','));
        // The host, for router-svc's routing table: the connection's name ("node-agent <node>" for agents).
        sb.append(';').append(String.valueOf(nc.getOptions().getConnectionName()).replace(";", ","));
        nc.publish(out(subject("hello")), sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void onHello(byte[] data) {
        String[] parts = new String(data, java.nio.charset.StandardCharsets.UTF_8).split(";", 3);
        if (parts.length < 2) {
            return;
        }
        boolean learned = false;
        for (String x : parts[1].split(",")) {
            if (!x.isEmpty()) {
                learned |= joined.add(Integer.parseInt(x));
            }
        }
        // A host we had not heard of, still waiting: tell it we are here (once per newcomer, so no echo storm).
        if (learned && parts[0].equals("0")) {
            hello(false);
        }
    }

    private String subject(String rest) {
        return Subjects.cpipe(run, rest);
    }

    /** Where frames for other hosts are published: the subject itself, or through router-svc's relay. */
    private String out(String subject) {
        return relay ? Subjects.RELAY_PREFIX + subject : subject;
    }

    // ---- receiving -------------------------------------------------------------------------------------------

    private void onFrame(io.nats.client.Message msg) {
        if (msg.getSubject().endsWith(".hello")) {
            onHello(msg.getData());
            return;
        }
        if (msg.getSubject().endsWith(".abort")) {
            abortLocal(new String(msg.getData(), java.nio.charset.StandardCharsets.UTF_8));
            return;
        }
        Frame f;
        try {
            f = Frame.decode(msg.getData());
        } catch (RuntimeException e) {
            abortLocal("a C-pipe frame on " + msg.getSubject() + " does not parse: " + e.getMessage());
            return;
        }
        switch (f.kind()) {
            case ACK -> {
                inFlight.computeIfAbsent(pair(f.b(), f.a()), k -> new AtomicLong()).addAndGet(-f.offset());
                wake();
            }
            case P2P -> assemble(new P2pKey(f.a(), f.b(), f.c()), f, m -> {
                queue(new P2pKey(f.a(), f.b(), f.c())).add(new Received(m, 4L * m.rows() * m.cols()));
                wake();
            });
            case GROUP -> {
                if (f.target() >= 0 && !local.contains(f.target())) {
                    return;
                }
                if (foreignGroups.contains(f.b())) {
                    return;
                }
                Integer done = finishedUpTo.get(f.b());
                if (done != null && f.c() <= done) {
                    return; // a late copy (an echo through a relay) of a round every local member has finished
                }
                GroupKey k = new GroupKey(f.b(), f.c(), f.op(), f.a(), f.target());
                assemble(k, f, m -> deliver(k, m));
            }
        }
    }

    private void assemble(Object key, Frame f, java.util.function.Consumer<Transport.Message> done) {
        int total = f.rows() * f.cols();
        if (total == 0) {
            done.accept(new Transport.Message(f.rows(), f.cols(), new float[0]));
            return;
        }
        Partial p = partials.computeIfAbsent(key, k -> new Partial(f.rows(), f.cols()));
        f.copyTo(p.data);
        p.received += f.count();
        if (p.received >= total) {
            partials.remove(key);
            done.accept(new Transport.Message(p.rows, p.cols, p.data));
        }
    }

    private ConcurrentLinkedQueue<Received> queue(P2pKey k) {
        return queues.computeIfAbsent(k, x -> new ConcurrentLinkedQueue<>());
    }

    private static long pair(int from, int to) {
        return ((long) from << 32) | (to & 0xffffffffL);
    }

    // ---- sending ---------------------------------------------------------------------------------------------

    private void publish(String subject, Kind kind, int a, int b, int c, int op, int target, Transport.Message m) {
        float[] data = m.data();
        int total = m.rows() * m.cols();
        if (total == 0) {
            nc.publish(out(subject), Frame.encode(kind, a, b, c, op, target, m.rows(), m.cols(), 0, data, 0));
            return;
        }
        for (int off = 0; off < total; off += chunkFloats) {
            int count = Math.min(chunkFloats, total - off);
            nc.publish(out(subject), Frame.encode(kind, a, b, c, op, target, m.rows(), m.cols(), off, data, count));
        }
    }

    /**
     * A collective's message: to one member ({@code target}) or to all. A member on this host gets it straight from
     * memory; NATS carries it only to other hosts (and back to this one only when the connection echoes).
     */
    private void publishGroup(int self, int group, int round, int op, int target, Transport.Message m) {
        if (target >= 0 && local.contains(target)) {
            deliver(new GroupKey(group, round, op, self, target), copy(m));
            return;
        }
        publish(subject(target >= 0 ? "s." + target : "g"), Kind.GROUP, self, group, round, op, target, m);
        if (target < 0 && !echo) {
            deliver(new GroupKey(group, round, op, self, -1), copy(m));
        }
    }

    private void deliver(GroupKey k, Transport.Message m) {
        arrived.put(k, m);
        wake();
    }

    @Override
    public void send(int from, int to, int channel, Transport.Message m) {
        long bytes = 4L * m.rows() * m.cols();
        if (local.contains(to)) {
            queue(new P2pKey(from, to, channel)).add(new Received(copy(m), 0));
            return;
        }
        AtomicLong out = inFlight.computeIfAbsent(pair(from, to), k -> new AtomicLong());
        long deadline = System.nanoTime() + timeoutNanos;
        // Flow control: wait for the receiver to take earlier tiles (a tile larger than the window goes alone).
        while (out.get() > 0 && out.get() + bytes > WINDOW_BYTES) {
            checkAborted();
            if (System.nanoTime() > deadline) {
                throw new VtpuRuntimeException("SEND to sentron " + to + ": " + out.get() + " bytes unacknowledged for "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (is the peer running, and does it RECV?)");
            }
            pause(64, () -> out.get() + bytes <= WINDOW_BYTES);
        }
        out.addAndGet(bytes);
        publish(subject("s." + to), Kind.P2P, from, to, channel, 0, -1, m);
    }

    private static Transport.Message copy(Transport.Message m) {
        return new Transport.Message(m.rows(), m.cols(), m.data().clone());
    }

    @Override
    public Transport.Message receive(int to, int from, int channel) {
        ConcurrentLinkedQueue<Received> q = queue(new P2pKey(from, to, channel));
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while (true) {
            Received m = q.poll();
            if (m != null) {
                if (m.bytes() > 0) {
                    // Acknowledge to the sender's host, which opens its window again (a tile is at most 256 KiB: an int).
                    nc.publish(out(subject("ack." + from)), Frame.encode(Kind.ACK, to, from, channel, 0, -1, 0, 0, (int) m.bytes(),
                            new float[0], 0));
                }
                return m.m();
            }
            checkAborted();
            if (System.nanoTime() > deadline) {
                throw new VtpuRuntimeException("RECV: no tile from sentron " + from + " on channel " + channel + " within "
                        + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (is the peer's node agent alive, and does it SEND?)");
            }
            pause(++spins, () -> !q.isEmpty());
        }
    }

    // ---- collectives -----------------------------------------------------------------------------------------

    private int nextRound(int self, int group) {
        return rounds.merge(((long) self << 32) | (group & 0xffffffffL), 1, Integer::sum) - 1;
    }

    private static int rank(int self, List<Integer> members, int group) {
        int r = members.indexOf(self);
        if (r < 0) {
            throw new VtpuRuntimeException("sentron " + self + " is not a member of group " + group + " " + members);
        }
        return r;
    }

    /** Waits for the message of {@code from} at this key. */
    private Transport.Message await(GroupKey k, String what, List<Integer> members) {
        long deadline = System.nanoTime() + timeoutNanos;
        int spins = 0;
        while (true) {
            Transport.Message m = arrived.get(k);
            if (m != null) {
                return m;
            }
            checkAborted();
            if (System.nanoTime() > deadline) {
                throw new VtpuRuntimeException(what + " on group " + k.group() + " " + members + ": nothing from sentron " + k.from()
                        + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (is its node agent alive?)");
            }
            pause(++spins, () -> arrived.containsKey(k));
        }
    }

    /** This local member is done with a round: when all local members are, its messages are dropped. */
    private void finish(int group, int round, List<Integer> members) {
        long key = ((long) group << 32) | (round & 0xffffffffL);
        int localMembers = (int) members.stream().filter(local::contains).count();
        if (roundsDone.merge(key, 1, Integer::sum) >= localMembers) {
            roundsDone.remove(key);
            finishedUpTo.merge(group, round, Math::max);
            barrierRounds.remove(key);
            arrived.keySet().removeIf(k -> k.group() == group && k.round() == round);
        }
    }

    /**
     * Two levels: the members on this host meet in memory, then their lowest-numbered one says so for all of them in one
     * message (its rows carry how many it speaks for) and waits for messages covering every member; then it lets the
     * others go. A barrier of 36 sentrons on 4 hosts costs 4 messages, not 36.
     */
    @Override
    public void barrier(int self, List<Integer> members, int group) {
        rank(self, members, group);
        int round = nextRound(self, group);
        List<Integer> here = members.stream().filter(local::contains).sorted().toList();
        long key = ((long) group << 32) | (round & 0xffffffffL);
        BarrierRound br = barrierRounds.computeIfAbsent(key, k -> new BarrierRound());
        long deadline = System.nanoTime() + timeoutNanos;
        if (self == here.get(0)) {
            br.awaitLocal(here.size(), deadline, this, group, members);
            publishGroup(self, group, round, OP_BARRIER, -1, new Transport.Message(here.size(), 0, new float[0]));
            int spins = 0;
            while (covered(group, round, members) < members.size()) {
                waitOrFail(deadline, "BAR", group, members, ++spins, () -> covered(group, round, members) >= members.size());
            }
            br.release();
        } else {
            br.arriveAndAwaitRelease(deadline, this, group, members);
        }
        finish(group, round, members);
    }

    /** One barrier round among this host's members: they meet here (monitor wait/notify: only who must wakes). */
    private static final class BarrierRound {
        private int came;
        private boolean released;

        synchronized void awaitLocal(int size, long deadline, NatsTransport t, int group, List<Integer> members) {
            came++;
            while (came < size) {
                waitUntil(deadline, t, group, members);
            }
        }

        synchronized void arriveAndAwaitRelease(long deadline, NatsTransport t, int group, List<Integer> members) {
            came++;
            notifyAll();
            while (!released) {
                waitUntil(deadline, t, group, members);
            }
        }

        synchronized void release() {
            released = true;
            notifyAll();
        }

        synchronized void abort() {
            notifyAll();
        }

        private void waitUntil(long deadline, NatsTransport t, int group, List<Integer> members) {
            t.checkAborted();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new VtpuRuntimeException("BAR on group " + group + " " + members + ": not every member arrived within "
                        + TimeUnit.NANOSECONDS.toMillis(t.timeoutNanos) + " ms (is every node agent of the run alive?)");
            }
            try {
                wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VtpuRuntimeException("BAR on group " + group + " was interrupted");
            }
        }
    }

    /** How many members the barrier messages of a round that arrived speak for. */
    private int covered(int group, int round, List<Integer> members) {
        int n = 0;
        for (int m : members) {
            Transport.Message msg = arrived.get(new GroupKey(group, round, OP_BARRIER, m, -1));
            n += msg == null ? 0 : msg.rows();
        }
        return n;
    }

    private void waitOrFail(long deadline, String what, int group, List<Integer> members, int spins, java.util.function.BooleanSupplier ready) {
        checkAborted();
        if (System.nanoTime() > deadline) {
            throw new VtpuRuntimeException(what + " on group " + group + " " + members + ": not every member arrived within "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (is every node agent of the run alive?)");
        }
        pause(spins, ready);
    }

    @Override
    public void allReduce(int self, List<Integer> members, int group, ReduceOp op, Transport.Message mine) {
        int r = rank(self, members, group);
        int round = nextRound(self, group);
        int n = members.size();
        int len = mine.rows() * mine.cols();
        float[] out = mine.data();
        if (4L * len <= DIRECT_MAX_BYTES || n == 1) {
            publishGroup(self, group, round, OP_ALL, -1, mine);
            float[] acc = new float[len];
            for (int i = 0; i < n; i++) {
                Transport.Message m = await(new GroupKey(group, round, OP_ALL, members.get(i), -1), "REDUCE", members);
                checkShape(m, mine, members.get(i), group);
                combine(acc, 0, m.data(), 0, len, op, i == 0);
            }
            finishMean(acc, 0, len, op, n);
            finish(group, round, members);
            System.arraycopy(acc, 0, out, 0, len);
            return;
        }
        float[] seg = scatterReduce(self, members, group, round, op, out, len);
        // All-gather of the reduced segments: one publish each, fanned out by the server.
        publishGroup(self, group, round, OP_AG, -1, new Transport.Message(1, seg.length, seg));
        float[] result = new float[len];
        for (int j = 0; j < n; j++) {
            Transport.Message m = await(new GroupKey(group, round, OP_AG, members.get(j), -1), "REDUCE", members);
            System.arraycopy(m.data(), 0, result, segment(len, n, j), m.cols());
        }
        finish(group, round, members);
        System.arraycopy(result, 0, out, 0, len);
    }

    /**
     * Reduce-scatter: the values of every member, divided into n equal segments in rank order (the last ones one
     * shorter when n does not divide the length); member j gets segment j reduced over all members, added in rank
     * order. Every member's {@code mine} must have the same shape. Not an ISA op (the C pipe's ops are SEND, RECV,
     * BAR, REDUCE, CAST and ALLGATHER); the building block of the large all-reduce, offered to the router's users.
     *
     * @return this member's reduced segment as a 1 x len/n tile
     */
    public Transport.Message reduceScatter(int self, List<Integer> members, int group, ReduceOp op, Transport.Message mine) {
        rank(self, members, group);
        int round = nextRound(self, group);
        float[] seg = scatterReduce(self, members, group, round, op, mine.data(), mine.rows() * mine.cols());
        finish(group, round, members);
        return new Transport.Message(1, seg.length, seg);
    }

    /** Sends segment j of {@code values} to member j and returns this member's segment reduced over all, in rank order. */
    private float[] scatterReduce(int self, List<Integer> members, int group, int round, ReduceOp op, float[] values, int len) {
        int n = members.size();
        int r = members.indexOf(self);
        for (int j = 0; j < n; j++) {
            if (j != r) {
                int s0 = segment(len, n, j);
                int s1 = segment(len, n, j + 1);
                float[] part = java.util.Arrays.copyOfRange(values, s0, s1);
                publishGroup(self, group, round, OP_RS, members.get(j), new Transport.Message(1, s1 - s0, part));
            }
        }
        int s0 = segment(len, n, r);
        int s1 = segment(len, n, r + 1);
        float[] seg = new float[s1 - s0];
        for (int i = 0; i < n; i++) {
            float[] v;
            int at;
            if (i == r) {
                v = values;
                at = s0;
            } else {
                Transport.Message m = await(new GroupKey(group, round, OP_RS, members.get(i), self), "REDUCE", members);
                if (m.cols() != seg.length) {
                    throw new VtpuRuntimeException("REDUCE on group " + group + ": member " + members.get(i) + " contributes a "
                            + "segment of " + m.cols() + " values, expected " + seg.length + " (do all members reduce the same tile shape?)");
                }
                v = m.data();
                at = 0;
            }
            combine(seg, 0, v, at, seg.length, op, i == 0);
        }
        finishMean(seg, 0, seg.length, op, n);
        return seg;
    }

    private static int segment(int len, int n, int j) {
        return (int) ((long) len * j / n);
    }

    private static void checkShape(Transport.Message m, Transport.Message mine, int member, int group) {
        if (m.rows() != mine.rows() || m.cols() != mine.cols()) {
            throw new VtpuRuntimeException("REDUCE on group " + group + ": member " + member + " contributes a " + m.rows() + "x"
                    + m.cols() + " tile, this one " + mine.rows() + "x" + mine.cols());
        }
    }

    private static void combine(float[] acc, int a0, float[] v, int v0, int len, ReduceOp op, boolean first) {
        for (int i = 0; i < len; i++) {
            float x = v[v0 + i];
            acc[a0 + i] = first ? x : switch (op) {
                case SUM, MEAN -> acc[a0 + i] + x;
                case MAX -> Math.max(acc[a0 + i], x);
                case MIN -> Math.min(acc[a0 + i], x);
            };
        }
    }

    private static void finishMean(float[] acc, int a0, int len, ReduceOp op, int n) {
        if (op == ReduceOp.MEAN) {
            float count = n;
            for (int i = 0; i < len; i++) {
                acc[a0 + i] /= count;
            }
        }
    }

    @Override
    public Transport.Message broadcast(int self, List<Integer> members, int group, int root, Transport.Message mine) {
        rank(self, members, group);
        rank(root, members, group);
        int round = nextRound(self, group);
        Transport.Message result;
        if (self == root) {
            publishGroup(self, group, round, OP_BCAST, -1, mine);
            result = copy(mine);
        } else {
            result = copy(await(new GroupKey(group, round, OP_BCAST, root, -1), "CAST", members));
        }
        finish(group, round, members);
        return result;
    }

    @Override
    public Transport.Message allGather(int self, List<Integer> members, int group, Transport.Message mine) {
        rank(self, members, group);
        int round = nextRound(self, group);
        publishGroup(self, group, round, OP_GATHER, -1, mine);
        int rows = 0;
        Transport.Message[] parts = new Transport.Message[members.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = await(new GroupKey(group, round, OP_GATHER, members.get(i), -1), "ALLGATHER", members);
            if (parts[i].cols() != mine.cols()) {
                throw new VtpuRuntimeException("ALLGATHER on group " + group + ": member " + members.get(i) + " contributes "
                        + parts[i].cols() + " columns, this one " + mine.cols());
            }
            rows += parts[i].rows();
        }
        float[] out = new float[rows * mine.cols()];
        int at = 0;
        for (Transport.Message p : parts) {
            System.arraycopy(p.data(), 0, out, at, p.data().length);
            at += p.data().length;
        }
        finish(group, round, members);
        return new Transport.Message(rows, mine.cols(), out);
    }

    // ---- failure ---------------------------------------------------------------------------------------------

    private void checkAborted() {
        String why = aborted;
        if (why != null) {
            throw new VtpuRuntimeException("stopped: " + why);
        }
    }

    private void abortLocal(String reason) {
        if (aborted == null) {
            aborted = reason;
        }
        barrierRounds.values().forEach(BarrierRound::abort);
        wake();
    }

    /** Stops this host's sentrons and tells the other hosts of the run to stop theirs. */
    @Override
    public void abort(String reason) {
        abortLocal(reason);
        byte[] all = reason.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            nc.publish(out(subject("abort")), all);
        } catch (RuntimeException ignored) {
            // the connection is gone; the others will time out instead
        }
    }

    private void wake() {
        for (Thread t : waiters) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Between checks for a message: a few spins (it may be about to arrive), then parks until the dispatcher wakes
     * this thread (or 1 ms passes): dozens of sentrons waiting on two cores must not take the CPU from those computing.
     */
    private void pause(int spins, java.util.function.BooleanSupplier ready) {
        if (spins < 64) {
            Thread.onSpinWait();
            return;
        }
        Thread me = Thread.currentThread();
        if (me.isInterrupted()) { // parkNanos would return at once: the run is being cancelled
            throw new VtpuRuntimeException("interrupted while the C pipe waited");
        }
        waiters.add(me);
        try {
            if (!ready.getAsBoolean()) { // checked again once registered: an arrival in between is not missed
                LockSupport.parkNanos(1_000_000);
            }
        } finally {
            waiters.remove(me);
        }
    }

    /** Leaves the run: router-svc drops this host's routes. */
    @Override
    public void close() {
        try {
            StringBuilder sb = new StringBuilder();
            local.forEach(s -> sb.append(s).append(','));
            nc.publish(out(subject("bye")), sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (RuntimeException ignored) {
            // a closed connection: the router drops the routes when the run aborts, or keeps them until it restarts
        }
        nc.closeDispatcher(dispatcher);
    }
}

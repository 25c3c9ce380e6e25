package ai.vtpu.cluster.agent;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Messages.Cancel;
import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import ai.vtpu.cluster.protocol.Messages.Outcome;
import ai.vtpu.cluster.protocol.Messages.WorkAck;
import ai.vtpu.cluster.protocol.Messages.WorkOrder;
import ai.vtpu.cluster.protocol.Messages.WorkResult;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.store.JetStreamSetup;
import ai.vtpu.cluster.store.TensorStore;
import ai.vtpu.cluster.transport.NatsTransport;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.io.Npy;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.Message;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node agent's work loop, free of any framework: heartbeats its capacity, takes {@link WorkOrder}s on its work
 * subject, runs them on the local runtime, writes outputs to the object store and the {@link WorkResult} to
 * JetStream, answers cancellation, and drains (finishing or handing back its work) when asked to stop.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeAgent.class.getName());

    private final AgentConfig config;
    private final Connection nc;
    private final JetStream js;
    private final TensorStore tensors;
    private final AgentMetrics metrics;
    private final long startedAt = System.currentTimeMillis();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(Thread.ofPlatform().name("agent-job-", 0).daemon(true).factory());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("agent-heartbeat").daemon(true).factory());
    private final Dispatcher dispatcher;
    private int busy;
    private volatile boolean leaving;
    private volatile boolean halted;

    /** One job attempt on this node. Stopping it interrupts its thread, or, before it started, makes it end at once. */
    private static final class Running {
        final WorkOrder order;
        private Thread thread;
        private Outcome stopAs;

        Running(WorkOrder order) {
            this.order = order;
        }

        synchronized void stop(Outcome as) {
            if (stopAs == null) {
                stopAs = as;
            }
            if (thread != null) {
                thread.interrupt();
            }
        }

        synchronized Outcome stopped() {
            return stopAs;
        }

        /** @return false if it was stopped before it began */
        synchronized boolean begin() {
            thread = Thread.currentThread();
            return stopAs == null;
        }

        synchronized void end() {
            thread = null;
            Thread.interrupted(); // no stray interrupt for the next job on this pooled thread
        }
    }

    private NodeAgent(AgentConfig config, Connection nc, AgentMetrics metrics) {
        this.config = config;
        this.nc = nc;
        this.metrics = metrics;
        JetStreamSetup.ensure(nc);
        try {
            this.js = nc.jetStream();
        } catch (IOException e) {
            throw new ClusterException("cannot use JetStream: " + e.getMessage(), e);
        }
        this.tensors = new TensorStore(nc);
        this.dispatcher = nc.createDispatcher();
    }

    /** Connects, registers (its first heartbeat) and starts taking work. */
    public static NodeAgent start(String natsUrl, AgentConfig config, AgentMetrics metrics) {
        Connection nc = NatsConnections.connect(natsUrl, "node-agent " + config.node(), false);
        NodeAgent a = new NodeAgent(config, nc, metrics);
        a.dispatcher.subscribe(Subjects.work(config.node()), a::onWork);
        a.dispatcher.subscribe(Subjects.cancel(config.node()), a::onCancel);
        a.dispatcher.subscribe(Subjects.DISCOVER, m -> a.heartbeat());
        a.heartbeat();
        long every = config.heartbeat().toMillis();
        a.timer.scheduleAtFixedRate(a::heartbeat, every, every, TimeUnit.MILLISECONDS);
        metrics.observe(a::busySentrons, () -> a.running.size(), config.sentrons());
        LOG.info(() -> "node agent " + config.node() + " up: " + config.sentrons() + " sentrons, NATS " + natsUrl);
        return a;
    }

    public AgentConfig config() {
        return config;
    }

    public boolean connected() {
        return !halted && nc.getStatus() == Connection.Status.CONNECTED;
    }

    public boolean leaving() {
        return leaving;
    }

    public synchronized int busySentrons() {
        return busy;
    }

    /** The jobs running here as {@code id#attempt}. */
    public List<String> runningJobs() {
        return running.keySet().stream().sorted().toList();
    }

    public Heartbeat heartbeatNow() {
        List<String> features = cpuFeatures();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return new Heartbeat(config.node(), Runtime.getRuntime().availableProcessors(), config.sentrons(), busySentrons(),
                Runtime.getRuntime().maxMemory(), features, runningJobs(), load, leaving, startedAt, System.currentTimeMillis());
    }

    private void heartbeat() {
        if (halted) {
            return;
        }
        try {
            nc.publish(Subjects.heartbeat(config.node()), Json.bytes(heartbeatNow()));
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "heartbeat not sent", e);
        }
    }

    private static volatile List<String> features;

    /** The AVX-512 and AMX flags of /proc/cpuinfo, which decide how fast the D pipe is. */
    static List<String> cpuFeatures() {
        if (features == null) {
            List<String> f = new ArrayList<>();
            try {
                for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("flags")) {
                        for (String flag : line.substring(line.indexOf(':') + 1).trim().split(" ")) {
                            if (flag.startsWith("avx512") || flag.startsWith("amx") || flag.equals("avx2") || flag.equals("fma")) {
                                f.add(flag);
                            }
                        }
                        break;
                    }
                }
            } catch (IOException e) {
                f.add("unknown");
            }
            features = List.copyOf(f);
        }
        return features;
    }

    private void onWork(Message m) {
        WorkOrder o;
        try {
            o = Json.read(m.getData(), WorkOrder.class, Subjects.work(config.node()));
        } catch (ClusterException e) {
            reply(m, new WorkAck(config.node(), false, e.getMessage()));
            return;
        }
        String key = o.jobId() + "#" + o.attempt();
        Running r;
        synchronized (this) {
            Running known = running.get(key);
            if (known != null) {
                boolean stopping = known.stopped() != null;
                reply(m, new WorkAck(config.node(), !stopping, stopping ? "being stopped" : "already running"));
                return;
            }
            if (leaving || halted) {
                reply(m, new WorkAck(config.node(), false, "draining"));
                return;
            }
            if (o.sentronsHere() > config.sentrons() - busy) {
                reply(m, new WorkAck(config.node(), false, "needs " + o.sentronsHere() + " sentrons, " + (config.sentrons() - busy) + " free"));
                return;
            }
            busy += o.sentronsHere();
            r = new Running(o);
            running.put(key, r);
            workers.submit(() -> execute(r, key));
        }
        reply(m, new WorkAck(config.node(), true, null));
        heartbeat();
    }

    private void reply(Message m, WorkAck ack) {
        if (m.getReplyTo() != null) {
            nc.publish(m.getReplyTo(), Json.bytes(ack));
        }
    }

    private void onCancel(Message m) {
        Cancel c;
        try {
            c = Json.read(m.getData(), Cancel.class, Subjects.cancel(config.node()));
        } catch (ClusterException e) {
            LOG.warning(e.getMessage());
            return;
        }
        Running r = running.get(c.jobId() + "#" + c.attempt());
        if (r != null) {
            r.stop(Outcome.CANCELLED);
        }
    }

    private void execute(Running r, String key) {
        WorkOrder o = r.order;
        long t0 = System.nanoTime();
        WorkResult result;
        try {
            if (!r.begin()) {
                throw new ClusterException("stopped before it started");
            }
            Program program = ProgramFile.read(tensors.get(o.program()));
            Map<String, HostTensor> in = new LinkedHashMap<>();
            o.inputs().forEach((name, object) -> in.put(name, Npy.parse(tensors.get(object), object)));
            Machine.Options options = new Machine.Options(o.sentrons(), config.referenceKernels(), config.cTimeoutMillis(), config.pin());
            Machine.Result run;
            if (o.local() == null) {
                run = Machine.run(program, in, options);
            } else {
                // A share of a job spread over agents: the C pipe to the other agents' sentrons goes over NATS.
                java.util.Set<Integer> local = java.util.Set.copyOf(o.local());
                Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
                program.groups().forEach(g -> groups.put(g.id(), g.members()));
                try (NatsTransport t = new NatsTransport(nc, o.run(), local, o.sentrons(), config.cTimeoutMillis(), 0, false, groups)) {
                    try {
                        run = Machine.run(program, in, options.part(local, t));
                    } catch (RuntimeException e) {
                        // Failing before the sentrons start (a bad input, no memory) aborts no collective: tell the others.
                        t.abort("node " + config.node() + ": " + e.getMessage());
                        throw e;
                    }
                }
            }
            checkStopped(r);
            Map<String, String> outs = new LinkedHashMap<>();
            for (var e : run.outputs().entrySet()) {
                // A share of a spread job writes under its node: the scheduler merges the shares into out/<attempt>/.
                String kind = o.local() == null ? "out/" + o.attempt() : "out/" + o.attempt() + "/" + config.node();
                String object = TensorStore.jobObject(o.jobId(), kind, e.getKey() + ".npy");
                tensors.put(object, Npy.toBytes(e.getValue()));
                outs.put(e.getKey(), object);
            }
            metrics.recordRun(run.stats());
            result = new WorkResult(o.jobId(), o.attempt(), config.node(), Outcome.SUCCEEDED, null, outs,
                    Json.MAPPER.readTree(run.stats().json(metrics.clockGHz())), System.nanoTime() - t0);
        } catch (Exception | Error e) {
            Outcome as = r.stopped();
            if (as != null) {
                result = new WorkResult(o.jobId(), o.attempt(), config.node(), as,
                        as == Outcome.CANCELLED ? "cancelled" : "handed back: node " + config.node() + " is draining",
                        Map.of(), null, System.nanoTime() - t0);
            } else {
                String msg = e.getMessage() != null ? e.getMessage() : e.toString();
                result = new WorkResult(o.jobId(), o.attempt(), config.node(), Outcome.FAILED, msg, Map.of(), null, System.nanoTime() - t0);
            }
        } finally {
            r.end();
        }
        // The attempt stays in the heartbeats until its result is in JetStream: the scheduler never sees a gap.
        publish(result);
        synchronized (this) {
            busy -= o.sentronsHere();
            running.remove(key);
        }
        heartbeat();
    }

    private static void checkStopped(Running r) {
        if (r.stopped() != null) {
            throw new ClusterException("stopped");
        }
    }

    /** Through JetStream with its acknowledgement, retried while NATS reconnects: a result is never silently dropped. */
    private void publish(WorkResult r) {
        if (halted) {
            return;
        }
        byte[] body = Json.bytes(r);
        for (int tries = 0; tries < 50 && !halted; tries++) {
            try {
                js.publish(Subjects.result(r.jobId()), body);
                return;
            } catch (IOException | io.nats.client.JetStreamApiException e) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.severe("node agent " + config.node() + ": could not publish the result of " + r.jobId() + "#" + r.attempt()
                + "; the scheduler will requeue it when it finds the job missing from this agent's heartbeats");
    }

    /**
     * Stops taking work and waits up to {@code grace} for what runs; whatever still runs then is stopped and handed
     * back to the scheduler (which places it again). Then disconnects.
     */
    public void drain(Duration grace) {
        leaving = true;
        heartbeat();
        long deadline = System.nanoTime() + grace.toNanos();
        while (!running.isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
        running.values().forEach(r -> r.stop(Outcome.HANDED_BACK));
        long handBack = System.nanoTime() + 15_000_000_000L;
        while (!running.isEmpty() && System.nanoTime() < handBack) {
            sleep(20);
        }
        heartbeat();
        shutdown();
    }

    /** Simulates a crash (kill -9): no results, no goodbye; the connection just ends. */
    public void halt() {
        halted = true;
        running.values().forEach(r -> r.stop(Outcome.FAILED));
        shutdown();
    }

    private void shutdown() {
        timer.shutdownNow();
        workers.shutdownNow();
        metrics.close();
        NatsConnections.close(nc);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (nc.getStatus() != Connection.Status.CLOSED) {
            drain(Duration.ofSeconds(30));
        }
    }
}

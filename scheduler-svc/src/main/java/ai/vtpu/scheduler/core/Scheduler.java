package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.JobStatus;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Messages.Cancel;
import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import ai.vtpu.cluster.protocol.Messages.JobEvent;
import ai.vtpu.cluster.protocol.Messages.Outcome;
import ai.vtpu.cluster.protocol.Messages.WorkAck;
import ai.vtpu.cluster.protocol.Messages.WorkOrder;
import ai.vtpu.cluster.protocol.Messages.WorkResult;
import ai.vtpu.cluster.protocol.ProgramFormat;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.store.JetStreamSetup;
import ai.vtpu.cluster.store.JobStore;
import ai.vtpu.cluster.store.TensorStore;
import ai.vtpu.phextcc.CompileException;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.io.Npy;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.api.ConsumerConfiguration;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The scheduler, free of any framework: accepts jobs (stored in JetStream before they are acknowledged), compiles
 * them, places them on the live node agent with the most free sentrons, applies results (only the current attempt's),
 * and places again the jobs of nodes that stopped heartbeating or handed work back. Its only state is in JetStream:
 * a new instance on the same NATS resumes where the last one stopped.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());

    private final Connection nc;
    private final SchedulerConfig config;
    private final JobStore jobs;
    private final TensorStore tensors;
    private final NodeRegistry nodes;
    private final JobTracing tracing;
    private final RequestParser parser;
    /**
     * Jobs not yet terminal, as last written: the loop's worklist. The store is the truth (every change is a
     * compare-and-set there); this copy only spares the loop reading every job on every pass.
     */
    private final Map<String, JobRecord> active = new ConcurrentHashMap<>();
    private final Set<String> compiling = ConcurrentHashMap.newKeySet();
    private final Set<String> merging = ConcurrentHashMap.newKeySet();
    /** Attempts (job#attempt@node) that a live node's heartbeats no longer list, since when (scheduler clock). */
    private final Map<String, Long> missingSince = new ConcurrentHashMap<>();
    private final ExecutorService compiler = Executors.newSingleThreadExecutor(Thread.ofPlatform().name("scheduler-compile").daemon(true).factory());
    private final Thread loop;
    private final Thread results;
    private final Semaphore wake = new Semaphore(0);
    private final long startedNanos = System.nanoTime();
    private Dispatcher dispatcher;
    private JetStreamSubscription resultSub;
    private volatile boolean closed;

    public Scheduler(Connection nc, SchedulerConfig config, OpenTelemetry otel) {
        this.nc = nc;
        this.config = config;
        JetStreamSetup.ensure(nc);
        this.jobs = new JobStore(nc);
        this.tensors = new TensorStore(nc);
        this.nodes = new NodeRegistry(config.nodeTimeout());
        this.tracing = new JobTracing(otel);
        this.parser = new RequestParser(config.maxRequestBytes());
        this.loop = Thread.ofPlatform().name("scheduler-loop").daemon(true).unstarted(this::runLoop);
        this.results = Thread.ofPlatform().name("scheduler-results").daemon(true).unstarted(this::consumeResults);
    }

    /** Resumes the jobs in the store, listens to node agents and results, and starts the scheduling loop. */
    public Scheduler start() {
        for (JobRecord j : jobs.all()) {
            if (!j.status().terminal()) {
                active.put(j.id(), j);
            }
        }
        tracing.observeQueue(() -> (int) active.values().stream().filter(j -> j.status() != JobStatus.RUNNING).count());
        dispatcher = nc.createDispatcher();
        dispatcher.subscribe(Subjects.HEARTBEATS_ALL, this::onHeartbeat);
        try {
            ConsumerConfiguration cc = ConsumerConfiguration.builder().durable(Subjects.RESULTS_CONSUMER)
                    .ackWait(Duration.ofSeconds(30)).build();
            resultSub = nc.jetStream().subscribe(Subjects.RESULTS_ALL, PullSubscribeOptions.builder().configuration(cc).build());
        } catch (Exception e) {
            throw new ClusterException("cannot consume " + Subjects.RESULTS_STREAM + ": " + e.getMessage(), e);
        }
        nc.publish(Subjects.DISCOVER, new byte[0]);
        loop.start();
        results.start();
        LOG.info(() -> "scheduler up: " + active.size() + " unfinished job(s) resumed from " + Subjects.JOBS_BUCKET);
        return this;
    }

    public RequestParser parser() {
        return parser;
    }

    public NodeRegistry nodes() {
        return nodes;
    }

    public boolean connected() {
        return !closed && nc.getStatus() == Connection.Status.CONNECTED;
    }

    // ---- submission and queries -------------------------------------------------------------------------------

    /** Checks the request against its program, stores it durably, and only then returns the QUEUED job. */
    public JobRecord submit(JobRequest r) {
        ProgramFrontend.Signature sig = ProgramFrontend.signature(r.format(), r.program());
        ProgramFrontend.checkInputs(sig, r.inputs());
        for (String s : r.split()) {
            if (!sig.inputs().containsKey(s)) {
                throw ApiException.unprocessable("/split", "cannot split '" + s + "': the program's inputs are " + sig.inputs().keySet());
            }
        }
        String id = "job-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        // Assembly and .siw need no compiler: they are ready to place at once (one store round trip less, too).
        boolean ready = r.format() == ProgramFormat.SIW || r.format() == ProgramFormat.SIWA;
        ProgramFrontend.Compiled pre = ready ? ProgramFrontend.compile(r.format(), r.program(), r.optLevel(), r.sentrons(), r.split()) : null;
        String source = ready ? TensorStore.jobObject(id, "compiled", "program.siw")
                : TensorStore.jobObject(id, "source", "program." + r.format().wire());
        tensors.put(source, ready ? pre.siw() : r.program());
        Map<String, String> in = new LinkedHashMap<>();
        for (var e : r.inputBytes().entrySet()) {
            String object = TensorStore.jobObject(id, "in", e.getKey() + ".npy");
            tensors.put(object, e.getValue());
            in.put(e.getKey(), object);
        }
        long now = System.currentTimeMillis();
        String traceparent = tracing.submitted(id, r.format().wire());
        JobRecord job = new JobRecord(id, JobStatus.QUEUED, r.format(), r.optLevel(), r.sentrons(), r.split(), in, source,
                ready ? source : null, ready ? in : null, ready ? pre.outputNames() : null, null, 0, null, null, null, now, now,
                null, null, traceparent, r.nodes(), null);
        jobs.create(job);
        active.put(id, job);
        event(job);
        wake.release();
        return job;
    }

    public Optional<JobRecord> get(String id) {
        return jobs.get(id);
    }

    public List<JobRecord> list() {
        return jobs.all();
    }

    /** The .npy bytes of an output of a job that succeeded. */
    public byte[] output(String id, String name) {
        JobRecord j = jobs.get(id).orElseThrow(() -> ApiException.notFound("no job " + id));
        if (j.status() != JobStatus.SUCCEEDED) {
            throw ApiException.conflict("job " + id + " is " + j.status() + "; outputs exist once it has SUCCEEDED");
        }
        String object = j.outputs().get(name);
        if (object == null) {
            throw ApiException.notFound("job " + id + " has no output '" + name + "'; its outputs are " + j.outputs().keySet());
        }
        Span s = tracing.child("vtpu.job.fetch", id, j.traceparent(), null);
        try {
            return tensors.get(object);
        } finally {
            s.setAttribute("vtpu.output", name);
            s.end();
        }
    }

    public JobRecord cancel(String id) {
        long now = System.currentTimeMillis();
        JobRecord before = jobs.get(id).orElseThrow(() -> ApiException.notFound("no job " + id));
        // The record the compare-and-set actually changed: it may have been placed since it was read above.
        java.util.concurrent.atomic.AtomicReference<JobRecord> was = new java.util.concurrent.atomic.AtomicReference<>();
        Optional<JobRecord> after = update(id, j -> {
            was.set(j);
            return j.status().terminal() ? null : j.withStatus(JobStatus.CANCELLED, now);
        });
        if (after.isEmpty()) {
            JobRecord j = jobs.get(id).orElse(before);
            throw ApiException.conflict("job " + id + " is already " + j.status());
        }
        if (was.get().status() == JobStatus.RUNNING) {
            stopParts(was.get(), null);
        }
        finished(after.get());
        return after.get();
    }

    // ---- node agents and results -----------------------------------------------------------------------------

    private void onHeartbeat(Message m) {
        try {
            Heartbeat hb = Json.read(m.getData(), Heartbeat.class, m.getSubject());
            boolean fresh = nodes.get(hb.node()).isEmpty();
            nodes.heard(hb);
            if (fresh || hb.sentronsFree() > 0) {
                wake.release();
            }
        } catch (ClusterException e) {
            LOG.warning("ignored a heartbeat: " + e.getMessage());
        }
    }

    private void consumeResults() {
        while (!closed) {
            try {
                // iterate, not fetch: each result is applied as it arrives, not when the batch is full.
                var it = resultSub.iterate(64, Duration.ofMillis(250));
                while (it.hasNext()) {
                    Message m = it.next();
                    WorkResult r;
                    try {
                        r = Json.read(m.getData(), WorkResult.class, m.getSubject());
                    } catch (ClusterException e) {
                        LOG.warning("dropped a result that does not parse: " + e.getMessage());
                        m.ack();
                        continue;
                    }
                    try {
                        apply(r);
                        m.ack();
                    } catch (ClusterException e) {
                        // The job store did not answer: the result is delivered again, not lost.
                        LOG.warning("result of " + r.jobId() + " not applied yet (" + e.getMessage() + "); redelivering");
                        m.nakWithDelay(Duration.ofMillis(500));
                    }
                }
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "reading results failed; retrying", e);
                    sleep(250);
                }
            }
        }
    }

    /** Applies a result if it is the current attempt's of a running job; anything else (stale, duplicate) is ignored. */
    void apply(WorkResult r) {
        long now = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicReference<JobRecord> was = new java.util.concurrent.atomic.AtomicReference<>();
        Optional<JobRecord> after = update(r.jobId(), j -> {
            was.set(j);
            if (j.status() != JobStatus.RUNNING || j.attempt() != r.attempt()) {
                return null;
            }
            if (j.parts() != null) {
                return applyPart(j, r, now);
            }
            return switch (r.outcome()) {
                case SUCCEEDED -> {
                    Map<String, String> outs = new LinkedHashMap<>();
                    r.outputs().forEach((prog, object) -> outs.put(j.outputNames().getOrDefault(prog, prog), object));
                    yield j.succeeded(outs, r.stats(), now);
                }
                case FAILED -> j.failed("on node " + r.node() + ": " + r.error(), now);
                case HANDED_BACK -> j.requeued(now);
                case CANCELLED -> null;
            };
        });
        nodes.release(r.node(), r.jobId() + "#" + r.attempt());
        after.ifPresent(j -> {
            JobRecord before = was.get();
            if (before.parts() != null && j.status() != JobStatus.RUNNING) {
                stopParts(before, r.node()); // one share failed or was handed back: the others stop too
            }
            if (j.status() == JobStatus.RUNNING) {
                if (j.parts() != null && j.parts().stream().allMatch(JobRecord.Part::done)) {
                    merge(j);
                }
                return;
            }
            Span run = tracing.child("vtpu.job.run", j.id(), j.traceparent(), j.placedAt());
            run.setAttribute(JobTracing.NODE, r.node());
            run.setAttribute("vtpu.attempt", r.attempt());
            if (r.outcome() == Outcome.FAILED) {
                JobTracing.fail(run, r.error());
            } else {
                run.end();
            }
            if (j.status().terminal()) {
                finished(j);
            } else {
                event(j);
            }
        });
        wake.release();
    }

    /** A compare-and-set in the store; the worklist follows what was written (or, when declined, what the store holds). */
    private Optional<JobRecord> update(String id, java.util.function.UnaryOperator<JobRecord> change) {
        Optional<JobRecord> written = jobs.update(id, change);
        JobRecord now = written.orElseGet(() -> jobs.get(id).orElse(null));
        if (now == null || now.status().terminal()) {
            active.remove(id);
        } else {
            active.put(id, now);
        }
        return written;
    }

    /** A spread job's share finished: recorded; a failure or hand-back ends the attempt for all shares. */
    private static JobRecord applyPart(JobRecord j, WorkResult r, long now) {
        List<JobRecord.Part> parts = new ArrayList<>();
        boolean mine = false;
        for (JobRecord.Part p : j.parts()) {
            boolean here = p.node().equals(r.node());
            mine |= here;
            parts.add(here && !p.done() && r.outcome() == Outcome.SUCCEEDED
                    ? new JobRecord.Part(p.node(), p.sentrons(), r.outputs(), r.stats()) : p);
        }
        if (!mine) {
            return null;
        }
        return switch (r.outcome()) {
            case SUCCEEDED -> j.withParts(parts, now);
            case FAILED -> j.failed("on node " + r.node() + ": " + r.error(), now);
            case HANDED_BACK -> j.requeued(now);
            case CANCELLED -> null;
        };
    }

    /** Cancels the job's shares still running (all but {@code except}'s) and gives their sentrons back. */
    private void stopParts(JobRecord j, String except) {
        if (j.parts() == null) {
            if (j.node() != null && !j.node().equals(except)) {
                nc.publish(Subjects.cancel(j.node()), Json.bytes(new Cancel(j.id(), j.attempt())));
                nodes.release(j.node(), j.id() + "#" + j.attempt());
            }
            return;
        }
        for (JobRecord.Part p : j.parts()) {
            if (!p.node().equals(except) && !p.done()) {
                nc.publish(Subjects.cancel(p.node()), Json.bytes(new Cancel(j.id(), j.attempt())));
                nodes.release(p.node(), j.id() + "#" + j.attempt());
            }
        }
    }

    /**
     * Every share of a spread job finished: the outputs are put together (each region from the agent whose sentron
     * holds it), stored, and the job succeeds. Also run by a restarted scheduler that finds such a job.
     */
    private void merge(JobRecord j) {
        if (!merging.add(j.id())) {
            return; // the results thread and the loop may both see the last share done
        }
        long now = System.currentTimeMillis();
        try {
            Program program = ProgramFile.read(tensors.get(j.program()));
            List<Machine.Part> parts = new ArrayList<>();
            for (JobRecord.Part p : j.parts()) {
                Map<String, HostTensor> outs = new LinkedHashMap<>();
                p.outputs().forEach((name, object) -> outs.put(name, Npy.parse(tensors.get(object), object)));
                parts.add(new Machine.Part(Set.copyOf(p.sentrons()), outs));
            }
            Map<String, String> outs = new LinkedHashMap<>();
            for (var e : Machine.merge(program, j.sentrons(), parts).entrySet()) {
                String object = TensorStore.jobObject(j.id(), "out/" + j.attempt(), e.getKey() + ".npy");
                tensors.put(object, Npy.toBytes(e.getValue()));
                outs.put(j.outputNames().getOrDefault(e.getKey(), e.getKey()), object);
            }
            var stats = Json.MAPPER.createObjectNode();
            var arr = stats.putArray("parts");
            for (JobRecord.Part p : j.parts()) {
                var o = arr.addObject();
                o.put("node", p.node());
                o.putPOJO("sentrons", p.sentrons());
                o.set("stats", p.stats());
            }
            update(j.id(), x -> x.status() == JobStatus.RUNNING && x.attempt() == j.attempt() ? x.succeeded(outs, stats, now) : null)
                    .ifPresent(this::finished);
        } catch (ClusterException e) {
            // NATS trouble: the job stays RUNNING with every share done, and the loop merges it again.
            LOG.log(Level.WARNING, "merging " + j.id() + " failed; will retry", e);
        } catch (RuntimeException e) {
            update(j.id(), x -> x.status() == JobStatus.RUNNING && x.attempt() == j.attempt()
                    ? x.failed("merging the agents' outputs: " + e.getMessage(), now) : null).ifPresent(this::finished);
        } finally {
            merging.remove(j.id());
        }
    }

    /** Places a job's sentrons on several agents: contiguous ranges, each agent told its own and the run's C-pipe id. */
    private void placeSpread(JobRecord j, Map<String, Integer> shares) {
        List<JobRecord.Part> parts = new ArrayList<>();
        int next = 0;
        for (var e : shares.entrySet()) {
            List<Integer> ids = new ArrayList<>();
            for (int k = 0; k < e.getValue(); k++) {
                ids.add(next++);
            }
            parts.add(new JobRecord.Part(e.getKey(), List.copyOf(ids), null, null));
        }
        long now = System.currentTimeMillis();
        Span span = tracing.child("vtpu.job.place", j.id(), j.traceparent(), null);
        span.setAttribute(JobTracing.NODE, String.join(",", shares.keySet()));
        Optional<JobRecord> placed = update(j.id(), x -> x.status() == JobStatus.QUEUED && x.attempt() == j.attempt()
                ? x.placedSpread(parts, now) : null);
        if (placed.isEmpty()) {
            shares.keySet().forEach(n -> nodes.release(n, j.id() + "#" + (j.attempt() + 1)));
            span.end();
            return;
        }
        JobRecord p = placed.get();
        String run = p.id() + "-" + p.attempt();
        Map<String, WorkOrder> orders = new LinkedHashMap<>();
        for (JobRecord.Part part : parts) {
            orders.put(part.node(), new WorkOrder(p.id(), p.attempt(), p.program(), p.programInputs(),
                    List.copyOf(p.outputNames().keySet()), p.sentrons(), p.traceparent(), part.sentrons(), run));
        }
        dispatch(p, span, orders);
    }

    /**
     * Sends the orders of a placed attempt (one agent's, or every share's). If an agent refuses, the shares already
     * taken are cancelled, the sentrons given back, and the job queued again without counting the attempt.
     */
    private void dispatch(JobRecord p, Span span, Map<String, WorkOrder> orders) {
        String refusal = null;
        for (var e : orders.entrySet()) {
            String no = sendOrder(e.getKey(), e.getValue());
            if (no != null) {
                refusal = e.getKey() + ": " + no;
                break;
            }
        }
        if (refusal == null) {
            span.end();
            // Cancelled while the orders were on their way: the cancel saw no shares yet, so stop them here.
            if (jobs.get(p.id()).map(x -> x.status() == JobStatus.CANCELLED).orElse(false)) {
                stopParts(p, null);
                return;
            }
            event(p);
            return;
        }
        String why = refusal;
        JobTracing.fail(span, why);
        stopParts(p, null);
        LOG.info(() -> "job " + p.id() + ": not taken (" + why + "); it stays queued");
        long later = System.currentTimeMillis();
        // Back to the queue with the attempt number used up: its run id (C-pipe subjects) is never reused.
        update(p.id(), x -> x.status() == JobStatus.RUNNING && x.attempt() == p.attempt() ? x.requeued(later) : null);
    }

    /** Sends a work order; null when the agent took it, else why not. */
    private String sendOrder(String node, WorkOrder order) {
        try {
            Message reply = nc.request(Subjects.work(node), Json.bytes(order), config.orderTimeout());
            WorkAck ack = Json.read(reply.getData(), WorkAck.class, Subjects.work(node));
            return ack.accepted() ? null : ack.reason();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (RuntimeException e) {
            return "no answer: " + e.getMessage();
        }
    }

    private void finished(JobRecord j) {
        active.remove(j.id());
        missingSince.keySet().removeIf(k -> k.startsWith(j.id() + "#"));
        tracing.finished(j.status().name(), j.submittedAt(), j.updatedAt());
        event(j);
    }

    private void event(JobRecord j) {
        nc.publish(Subjects.events(j.id()), Json.bytes(new JobEvent(j.id(), j.status(), j.node(), j.error(), j.updatedAt())));
    }

    // ---- the scheduling loop ---------------------------------------------------------------------------------

    private void runLoop() {
        while (!closed) {
            try {
                wake.tryAcquire(config.tick().toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                step();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "scheduling step failed; retrying", e);
                    sleep(250);
                }
            }
        }
    }

    private long nextSweep;

    /**
     * Deletes finished jobs older than the retention (their objects first, then the record), at most once a minute
     * (or once per retention when that is shorter), so the bucket and object store do not grow without end.
     */
    void sweep() {
        long now = System.currentTimeMillis();
        if (now < nextSweep) {
            return;
        }
        long every = Math.min(60_000, config.retention().toMillis());
        nextSweep = now + every;
        List<JobRecord> expired = jobs.all().stream().filter(j -> j.status().terminal() && j.finishedAt() != null
                && j.finishedAt() < now - config.retention().toMillis()).toList();
        if (expired.isEmpty()) {
            return;
        }
        Set<String> ids = new java.util.HashSet<>();
        expired.forEach(j -> ids.add(j.id()));
        for (String name : tensors.names()) {
            String[] p = name.split("/", 3);
            if (p.length == 3 && p[0].equals("jobs") && ids.contains(p[1])) {
                tensors.delete(name);
            }
        }
        ids.forEach(jobs::delete);
        LOG.info(() -> "retention: deleted " + ids.size() + " job(s) finished more than " + config.retention() + " ago");
    }

    /** One pass over the unfinished jobs, oldest first. */
    void step() {
        sweep();
        nodes.forgetSilent();
        List<JobRecord> work = new ArrayList<>(active.values());
        work.sort(java.util.Comparator.comparingLong(JobRecord::submittedAt));
        boolean settled = System.nanoTime() - startedNanos > config.nodeTimeout().toNanos();
        for (JobRecord j : work) {
            switch (j.status()) {
                case QUEUED, COMPILING -> {
                    if (!j.compiledYet()) {
                        compileLater(j);
                    } else {
                        place(j);
                    }
                }
                case RUNNING -> {
                    if (j.parts() != null && j.parts().stream().allMatch(JobRecord.Part::done)) {
                        merge(j);
                        continue;
                    }
                    // Right after a restart the nodes have not been heard yet: give them one timeout to answer DISCOVER.
                    Optional<String> gone = settled ? lost(j) : Optional.empty();
                    if (gone.isPresent()) {
                        long now = System.currentTimeMillis();
                        update(j.id(), x -> x.status() == JobStatus.RUNNING && x.attempt() == j.attempt() ? x.requeued(now) : null)
                                .ifPresent(x -> {
                                    stopParts(j, null);
                                    tracing.event("vtpu.job.requeue", x.id(), x.traceparent(),
                                            Attributes.of(JobTracing.NODE, gone.get()));
                                    LOG.info(() -> "job " + x.id() + ": node " + gone.get() + " is gone; placing it again");
                                    event(x);
                                });
                    }
                }
                default -> {
                }
            }
        }
    }

    /** The job's node is down, or restarted since it took the job, or says it no longer runs it after leaving. */
    /** The node (of the job's, or of an unfinished share's) that is gone, if one is. */
    private Optional<String> lost(JobRecord j) {
        if (j.parts() != null) {
            return j.parts().stream().filter(p -> !p.done() && lostNode(p.node(), j)).map(JobRecord.Part::node).findFirst();
        }
        return lostNode(j.node(), j) ? Optional.of(j.node()) : Optional.empty();
    }

    private boolean lostNode(String node, JobRecord j) {
        NodeRegistry.Health h = nodes.health(node);
        if (h == NodeRegistry.Health.DOWN) {
            return true;
        }
        // Alive but not running it: restarted since, or its result was lost. Only when its heartbeats have left the
        // attempt out for a whole node timeout (on this scheduler's clock): a result on its way is applied long before.
        NodeRegistry.Node n = nodes.get(node).orElseThrow();
        String key = j.id() + "#" + j.attempt() + "@" + node;
        if (j.placedAt() == null || n.seenMillis() <= j.placedAt() || n.last().running().contains(j.id() + "#" + j.attempt())) {
            missingSince.remove(key);
            return false;
        }
        long since = missingSince.computeIfAbsent(key, k -> n.seenMillis());
        if (n.seenMillis() - since > config.nodeTimeout().toMillis()) {
            missingSince.remove(key);
            return true;
        }
        return false;
    }

    private void compileLater(JobRecord j) {
        if (!compiling.add(j.id())) {
            return;
        }
        compiler.submit(() -> {
            try {
                compile(j.id());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "compiling " + j.id() + " failed unexpectedly", e);
            } finally {
                compiling.remove(j.id());
                wake.release();
            }
        });
    }

    private void compile(String id) {
        long t0 = System.currentTimeMillis();
        Optional<JobRecord> started = update(id, j -> j.status() == JobStatus.QUEUED || j.status() == JobStatus.COMPILING
                ? j.withStatus(JobStatus.COMPILING, t0) : null);
        if (started.isEmpty()) {
            return;
        }
        JobRecord j = started.get();
        event(j);
        Span span = tracing.child("vtpu.job.compile", id, j.traceparent(), null);
        span.setAttribute("vtpu.program.format", j.format().wire());
        try {
            ProgramFrontend.Compiled c = ProgramFrontend.compile(j.format(), tensors.get(j.source()), j.optLevel(), j.sentrons(), j.split());
            String program = TensorStore.jobObject(id, "compiled", "program.siw");
            tensors.put(program, c.siw());
            Map<String, String> progInputs = new LinkedHashMap<>();
            j.inputs().forEach((user, object) -> progInputs.put(c.inputOf().getOrDefault(user, user), object));
            for (var w : c.weights().entrySet()) {
                String object = TensorStore.jobObject(id, "weights", w.getKey() + ".npy");
                tensors.put(object, Npy.toBytes(w.getValue()));
                progInputs.put(w.getKey(), object);
            }
            long now = System.currentTimeMillis();
            update(id, x -> x.status() == JobStatus.COMPILING ? x.compiled(program, progInputs, c.outputNames(), now) : null)
                    .ifPresent(this::event);
            span.setAttribute("vtpu.program.bytes", c.siw().length);
            span.end();
        } catch (ClusterException e) {
            // NATS trouble, not the program's: the job stays COMPILING and the loop compiles it again.
            span.end();
            throw e;
        } catch (RuntimeException e) {
            // The program's fault (a located compile error), or a compiler bug: either way this job cannot compile,
            // and trying again every tick would not change that.
            boolean known = e instanceof ApiException || e instanceof CompileException || e instanceof ai.vtpu.isa.IsaException
                    || e instanceof ai.vtpu.runtime.VtpuRuntimeException;
            String why = known ? e.getMessage() : "internal compiler error (" + e + "); please report it with the program";
            long now = System.currentTimeMillis();
            JobTracing.fail(span, why);
            update(id, x -> x.status() == JobStatus.COMPILING ? x.failed("compile: " + why, now) : null)
                    .ifPresent(this::finished);
        }
    }

    private void place(JobRecord j) {
        boolean asked = j.nodes() != null && j.nodes() > 1;
        String attempt = j.id() + "#" + (j.attempt() + 1);
        Optional<String> node = asked ? Optional.empty() : nodes.place(attempt, j.sentrons());
        if (node.isEmpty() && (asked || (j.sentrons() > nodes.largest() && j.sentrons() <= nodes.totalInAll()))) {
            nodes.spread(attempt, j.sentrons(), asked ? j.nodes() : null).ifPresent(shares -> placeSpread(j, shares));
            return;
        }
        if (node.isEmpty()) {
            int largest = nodes.largest();
            int all = nodes.totalInAll();
            if (largest > 0 && j.sentrons() > all) {
                long now = System.currentTimeMillis();
                update(j.id(), x -> x.status() == JobStatus.QUEUED ? x.failed("the job asks for " + j.sentrons()
                        + " sentrons; the live node agents have " + all + " in all (the largest " + largest + ")", now) : null)
                        .ifPresent(this::finished);
            }
            return;
        }
        long now = System.currentTimeMillis();
        Span span = tracing.child("vtpu.job.place", j.id(), j.traceparent(), null);
        span.setAttribute(JobTracing.NODE, node.get());
        // Durable first: if this scheduler dies after sending, its successor sees RUNNING on that node and waits for the result.
        Optional<JobRecord> placed = update(j.id(), x -> x.status() == JobStatus.QUEUED && x.attempt() == j.attempt()
                ? x.placed(node.get(), now) : null);
        if (placed.isEmpty()) {
            nodes.release(node.get(), attempt);
            span.end();
            return;
        }
        JobRecord p = placed.get();
        dispatch(p, span, Map.of(node.get(), new WorkOrder(p.id(), p.attempt(), p.program(), p.programInputs(),
                List.copyOf(p.outputNames().keySet()), p.sentrons(), p.traceparent())));
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
        closed = true;
        loop.interrupt();
        compiler.shutdownNow();
        try {
            loop.join(5000);
            results.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dispatcher != null) {
            nc.closeDispatcher(dispatcher);
        }
        if (resultSub != null) {
            try {
                resultSub.unsubscribe();
            } catch (RuntimeException ignored) {
                // the connection may be closing already
            }
        }
    }
}

package ai.vtpu.scheduler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.agent.AgentConfig;
import ai.vtpu.cluster.agent.AgentMetrics;
import ai.vtpu.cluster.agent.NodeAgent;
import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.JobStatus;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Messages;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.io.Npy;
import ai.vtpu.scheduler.core.Scheduler;
import ai.vtpu.scheduler.core.SchedulerConfig;
import io.nats.client.Connection;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Nothing accepted is lost: a scheduler restarted mid-queue (and mid-run) resumes from JetStream; a node agent killed
 * mid-job has the job finish on another; a draining agent hands its job back; a stale result changes nothing.
 * Real nats-server, schedulers and agents on their own connections, as separate processes would have.
 */
class DurabilityTest {
    static final SchedulerConfig CONFIG = SchedulerConfig.defaults().withNodeTimeout(Duration.ofMillis(1000));
    static final Map<String, HostTensor> X = Map.of("X", TestJobs.random(1, 8, 8));

    NatsServerProcess nats;
    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void startNats() {
        nats = NatsServerProcess.start();
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        nats.close();
    }

    Scheduler scheduler() {
        Connection nc = NatsConnections.connect(nats.url(), "test-scheduler");
        Scheduler s = new Scheduler(nc, CONFIG, OpenTelemetry.noop()).start();
        open.add(nc);
        open.add(s);
        return s;
    }

    NodeAgent agent(String name) {
        return agent(name, 2);
    }

    NodeAgent agent(String name, int sentrons) {
        NodeAgent a = NodeAgent.start(nats.url(), AgentConfig.of(name, sentrons).withHeartbeat(Duration.ofMillis(200)), AgentMetrics.noop(name));
        open.add(a::halt);
        return a;
    }

    static String submit(Scheduler s, String siwa) {
        return s.submit(s.parser().parse(TestJobs.body("siwa", siwa, X, null).getBytes())).id();
    }

    static JobRecord await(Scheduler s, String id, Predicate<JobRecord> until, String what) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        JobRecord j = null;
        while (System.nanoTime() < deadline) {
            j = s.get(id).orElseThrow();
            if (until.test(j)) {
                return j;
            }
            JobsApiTest.sleep(20);
        }
        throw new AssertionError("job " + id + " never became " + what + "; last: " + j);
    }

    static JobRecord awaitStatus(Scheduler s, String id, JobStatus status) {
        return await(s, id, j -> j.status() == status || (j.status().terminal() && status != j.status() && fail(j, status)), status.name());
    }

    private static boolean fail(JobRecord j, JobStatus wanted) {
        throw new AssertionError("job " + j.id() + " ended " + j.status() + " (" + j.error() + "), expected " + wanted);
    }

    @Test
    void aRestartedSchedulerLosesNoQueuedOrRunningJob() throws Exception {
        Scheduler first = scheduler();
        // One job is running when the scheduler goes away (its result arrives while no scheduler listens) ...
        NodeAgent a = agent("agent-a", 1);
        String running = submit(first, TestJobs.spin(30_000_000));
        awaitStatus(first, running, JobStatus.RUNNING);
        // ... and four wait for the agent's one sentron.
        String gemm = TestJobs.example("gemm.siwa");
        Map<String, HostTensor> in = Map.of("A", TestJobs.random(1, 256, 256), "B", TestJobs.random(2, 256, 256));
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            queued.add(first.submit(first.parser().parse(TestJobs.body("siwa", gemm, in, null).getBytes())).id());
        }
        first.close();
        open.remove(first);
        for (String id : queued) {
            assertEquals(JobStatus.QUEUED, first.get(id).orElseThrow().status());
        }
        // With no scheduler, the queued jobs stay as they were; the running one finishes on its agent.
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!a.runningJobs().isEmpty() && System.nanoTime() < deadline) {
            JobsApiTest.sleep(20);
        }
        assertTrue(a.runningJobs().isEmpty(), "the job finished on the agent while no scheduler ran");

        Scheduler second = scheduler();
        assertEquals(JobStatus.SUCCEEDED, awaitStatus(second, running, JobStatus.SUCCEEDED).status(),
                "the result published while no scheduler ran was applied from the durable consumer");
        HostTensor want = Machine.run(TestJobs.assemble(gemm), in, Machine.Options.of(1)).outputs().get("C");
        for (String id : queued) {
            JobRecord j = awaitStatus(second, id, JobStatus.SUCCEEDED);
            assertEquals(1, j.attempt(), "placed once: " + j);
            assertArrayEquals(want.data(), Npy.parse(second.output(id, "C"), "C").data());
        }
    }

    @Test
    void aKilledAgentsJobFinishesOnAnotherAgent() {
        Scheduler s = scheduler();
        NodeAgent a = agent("agent-a");
        String id = submit(s, TestJobs.spin(60_000_000));
        JobRecord r = awaitStatus(s, id, JobStatus.RUNNING);
        assertEquals("agent-a", r.node());
        agent("agent-b");
        a.halt();
        JobRecord done = awaitStatus(s, id, JobStatus.SUCCEEDED);
        assertEquals("agent-b", done.node());
        assertEquals(2, done.attempt(), "placed a second time after agent-a stopped heartbeating");
    }

    @Test
    void aDrainingAgentHandsItsJobBack() {
        Scheduler s = scheduler();
        NodeAgent a = agent("agent-a");
        String id = submit(s, TestJobs.spin(60_000_000));
        awaitStatus(s, id, JobStatus.RUNNING);
        agent("agent-b");
        a.drain(Duration.ZERO);
        JobRecord done = awaitStatus(s, id, JobStatus.SUCCEEDED);
        assertEquals("agent-b", done.node());
        assertEquals(2, done.attempt());
    }

    @Test
    void aStaleOrDuplicateResultChangesNothing() throws Exception {
        Scheduler s = scheduler();
        agent("agent-a");
        String id = submit(s, TestJobs.spin(10));
        JobRecord done = awaitStatus(s, id, JobStatus.SUCCEEDED);
        try (Connection nc = NatsConnections.connect(nats.url(), "test-client")) {
            var js = nc.jetStream();
            js.publish(Subjects.result(id), Json.bytes(new Messages.WorkResult(id, done.attempt(), "agent-a",
                    Messages.Outcome.FAILED, "a duplicate that must not count", Map.of(), null, 0)));
            js.publish(Subjects.result(id), Json.bytes(new Messages.WorkResult(id, 0, "agent-z",
                    Messages.Outcome.FAILED, "a stale attempt", Map.of(), null, 0)));
        }
        // The next job's result is applied after those two (one stream, in order): then they have been seen.
        String next = submit(s, TestJobs.spin(10));
        awaitStatus(s, next, JobStatus.SUCCEEDED);
        JobRecord after = s.get(id).orElseThrow();
        assertEquals(JobStatus.SUCCEEDED, after.status());
        assertEquals(done.outputs(), after.outputs());
    }

    @Test
    void aSpreadJobWhoseAgentDiesIsPlacedAgainAndItsOtherSharesStopped() {
        Scheduler s = scheduler();
        NodeAgent a = agent("agent-a");
        NodeAgent b = agent("agent-b");
        String siwa = """
                .tensor Y f32[8, 8] @1.1.1/1.1.1/1.1.2 output
                .group 1 = 0..3
                        S: SLI R1, 60000000 ^0
                        wait s0 | S: CSET P0, Y
                loop:   D: FILL T0, 8x8, 1.0 | C: LOOP R1, loop
                        C: REDUCE T0, 1, sum ^0
                        wait c0 | S: SCATTER T0, P0, 8x8 ^1
                        wait s1
                """;
        String id = s.submit(s.parser().parse(TestJobs.body("siwa", siwa, Map.of(), "\"sentrons\": 4").getBytes())).id();
        JobRecord r = awaitStatus(s, id, JobStatus.RUNNING);
        assertEquals(2, r.parts().size(), r.toString());
        agent("agent-c");
        a.halt();
        JobRecord done = awaitStatus(s, id, JobStatus.SUCCEEDED);
        assertEquals(2, done.attempt(), "placed again after agent-a stopped heartbeating");
        assertTrue(done.parts().stream().noneMatch(p -> p.node().equals("agent-a")), done.toString());
        assertTrue(b.runningJobs().isEmpty());
        float[] y = Npy.parse(s.output(id, "Y"), "Y").data();
        assertEquals(4f, y[0], 0f, "four sentrons' 1.0 summed");
    }

    @Test
    void aDataParallelGemmSpreadOverFourAgentsEqualsOneHost() {
        Scheduler s = scheduler();
        for (String n : List.of("agent-1", "agent-2", "agent-3", "agent-4")) {
            agent(n, 1);
        }
        String siwa = TestJobs.example("dp_gemm.siwa");
        Map<String, HostTensor> in = Map.of("A", TestJobs.random(5, 128, 256), "B", TestJobs.random(6, 256, 128));
        String id = s.submit(s.parser().parse(TestJobs.body("siwa", siwa, in, "\"sentrons\": 4").getBytes())).id();
        JobRecord done = awaitStatus(s, id, JobStatus.SUCCEEDED);
        assertEquals(4, done.parts().size(), "one share per agent: " + done.node());
        HostTensor want = Machine.run(TestJobs.assemble(siwa), in, Machine.Options.of(4)).outputs().get("C");
        assertArrayEquals(want.data(), Npy.parse(s.output(id, "C"), "C").data(), "partials added over NATS as on one host");
    }

    @Test
    void finishedJobsAreDeletedAfterTheRetentionWithTheirTensors() throws Exception {
        Connection nc = NatsConnections.connect(nats.url(), "test-scheduler");
        open.add(nc);
        Scheduler s = new Scheduler(nc, CONFIG.withRetention(Duration.ofMillis(300)), OpenTelemetry.noop()).start();
        open.add(s);
        agent("agent-a");
        String id = submit(s, TestJobs.spin(10));
        awaitStatus(s, id, JobStatus.SUCCEEDED);
        var tensors = new ai.vtpu.cluster.store.TensorStore(nc);
        assertTrue(tensors.names().stream().anyMatch(n -> n.startsWith("jobs/" + id + "/")), "its tensors are stored");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.get(id).isPresent() && System.nanoTime() < deadline) {
            JobsApiTest.sleep(50);
        }
        assertTrue(s.get(id).isEmpty(), "the record is gone after the retention");
        assertTrue(tensors.names().stream().noneMatch(n -> n.startsWith("jobs/" + id + "/")), "and so are its tensors");
    }
}

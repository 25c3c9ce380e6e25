package ai.vtpu.agent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import ai.vtpu.cluster.protocol.Messages.Outcome;
import ai.vtpu.cluster.protocol.Messages.WorkAck;
import ai.vtpu.cluster.protocol.Messages.WorkOrder;
import ai.vtpu.cluster.protocol.Messages.WorkResult;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.store.TensorStore;
import ai.vtpu.cluster.testing.NatsTestResource;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PullSubscribeOptions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node agent application: registers and heartbeats over a real nats-server, runs a work order, reports health. */
@QuarkusTest
@QuarkusTestResource(NatsTestResource.class)
class NodeAgentAppTest {
    @Test
    void heartbeatsItsCapacity() throws Exception {
        try (Connection nc = NatsConnections.connect(NatsTestResource.url(), "test")) {
            var sub = nc.subscribe(Subjects.heartbeat("test-node"));
            nc.publish(Subjects.DISCOVER, new byte[0]);
            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertNotNull(m, "a heartbeat within 5 s of a discover");
            Heartbeat hb = Json.read(m.getData(), Heartbeat.class, "heartbeat");
            assertEquals(3, hb.sentrons());
            assertEquals(Runtime.getRuntime().availableProcessors(), hb.cores());
            assertFalse(hb.leaving());
        }
        given().get("/v1/agent").then().statusCode(200).body("node", equalTo("test-node")).body("sentrons", equalTo(3));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("node-agent"));
    }

    @Test
    void runsAWorkOrderAndPublishesItsResultThroughJetStream() throws Exception {
        try (Connection nc = NatsConnections.connect(NatsTestResource.url(), "test")) {
            TensorStore store = new TensorStore(nc);
            String siwa = """
                    .tensor X f32[2, 4] @1.1.1/1.1.1/1.1.1 input
                    .tensor Y f32[2, 4] @1.1.1/1.1.1/1.1.2 output
                            S: CSET P0, X ^0
                            wait s0 | S: GATHER T0, P0, 2x4 ^1
                            wait s1 | D: ADD T1, T0, T0 | S: CSET P1, Y ^2
                            wait s2 | S: SCATTER T1, P1, 2x4 ^3
                            wait s3
                    """;
            store.put("jobs/job-t/compiled/program.siw", ProgramFile.write(Assembler.assemble(siwa, "t.siwa").program()));
            store.put("jobs/job-t/in/X.npy", Npy.toBytes(new HostTensor(List.of(2, 4), new float[] {1, 2, 3, 4, 5, 6, 7, 8})));
            JetStreamSubscription results = nc.jetStream().subscribe(Subjects.result("job-t"), PullSubscribeOptions.builder().build());
            WorkOrder o = new WorkOrder("job-t", 1, "jobs/job-t/compiled/program.siw", Map.of("X", "jobs/job-t/in/X.npy"),
                    List.of("Y"), 1, null);
            WorkAck ack = Json.read(nc.request(Subjects.work("test-node"), Json.bytes(o), Duration.ofSeconds(5)).getData(),
                    WorkAck.class, "ack");
            assertTrue(ack.accepted(), ack.toString());
            WorkOrder tooBig = new WorkOrder("job-u", 1, "p", Map.of(), List.of(), 4, null);
            WorkAck no = Json.read(nc.request(Subjects.work("test-node"), Json.bytes(tooBig), Duration.ofSeconds(5)).getData(),
                    WorkAck.class, "ack");
            assertFalse(no.accepted());
            assertTrue(no.reason().startsWith("needs 4 sentrons"), no.reason());

            List<Message> got = results.fetch(1, Duration.ofSeconds(10));
            assertEquals(1, got.size(), "one result");
            WorkResult r = Json.read(got.get(0).getData(), WorkResult.class, "result");
            assertEquals(Outcome.SUCCEEDED, r.outcome(), String.valueOf(r.error()));
            assertEquals("test-node", r.node());
            HostTensor y = Npy.parse(store.get(r.outputs().get("Y")), "Y");
            assertEquals(List.of(2f, 4f, 6f, 8f, 10f, 12f, 14f, 16f), java.util.stream.IntStream.range(0, 8).mapToObj(i -> y.data()[i]).toList());
        }
    }
}

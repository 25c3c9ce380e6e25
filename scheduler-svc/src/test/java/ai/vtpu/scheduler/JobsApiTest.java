package ai.vtpu.scheduler;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.agent.AgentConfig;
import ai.vtpu.cluster.testing.NatsTestResource;
import ai.vtpu.cluster.agent.AgentMetrics;
import ai.vtpu.cluster.agent.NodeAgent;
import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.phextcc.Compiler;
import ai.vtpu.phextcc.ir.IrParser;
import ai.vtpu.phextcc.onnx.OnnxImporter;
import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.phextcc.onnx.OnnxWriter;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.io.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.Subscription;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The REST and NATS API against a real nats-server and two real node agents (in this JVM, on their own connections). */
@QuarkusTest
@QuarkusTestResource(NatsTestResource.class)
class JobsApiTest {
    static final String TOKEN = "test-token";
    static NodeAgent a;
    static NodeAgent b;

    @BeforeAll
    static void agents() {
        a = NodeAgent.start(NatsTestResource.url(), AgentConfig.of("agent-a", 2).withHeartbeat(Duration.ofMillis(200)), AgentMetrics.noop("agent-a"));
        b = NodeAgent.start(NatsTestResource.url(), AgentConfig.of("agent-b", 2).withHeartbeat(Duration.ofMillis(200)), AgentMetrics.noop("agent-b"));
    }

    @AfterAll
    static void stop() {
        a.halt();
        b.halt();
    }

    static String submit(String body) {
        return given().auth().oauth2(TOKEN).contentType("application/json").body(body).post("/v1/jobs")
                .then().statusCode(202).header("Location", containsString("/v1/jobs/job-")).body("status", equalTo("QUEUED"))
                .extract().path("id");
    }

    static JsonNode await(String id, Set<String> statuses) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        String last = null;
        while (System.nanoTime() < deadline) {
            String body = given().auth().oauth2(TOKEN).get("/v1/jobs/" + id).then().statusCode(200).extract().asString();
            JsonNode j = Json.read(body.getBytes(), JsonNode.class, "job");
            last = j.get("status").asText();
            if (statuses.contains(last)) {
                return j;
            }
            sleep(50);
        }
        throw new AssertionError("job " + id + " still " + last + " after 60 s; expected " + statuses);
    }

    static HostTensor fetch(String id, String name) {
        byte[] npy = given().auth().oauth2(TOKEN).get("/v1/jobs/" + id + "/outputs/" + name).then().statusCode(200)
                .contentType("application/octet-stream").extract().asByteArray();
        return Npy.parse(npy, name);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void assemblyJobRunsAndItsOutputEqualsALocalRun() {
        String siwa = TestJobs.example("gemm.siwa");
        Map<String, HostTensor> in = Map.of("A", TestJobs.random(1, 256, 256), "B", TestJobs.random(2, 256, 256));
        String id = submit(TestJobs.body("siwa", siwa, in, null));
        JsonNode done = await(id, Set.of("SUCCEEDED", "FAILED"));
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toString());
        assertTrue(Set.of("agent-a", "agent-b").contains(done.get("node").asText()), done.toString());
        assertTrue(done.get("stats").get("sentrons").get(0).get("siws").asLong() > 0, "run statistics come back: " + done);
        HostTensor got = fetch(id, "C");
        HostTensor want = Machine.run(TestJobs.assemble(siwa), in, Machine.Options.of(1)).outputs().get("C");
        assertEquals(want.shape(), got.shape());
        assertArrayEquals(want.data(), got.data(), "the cluster's result is the local vtpu run result, bit for bit");
    }

    @Test
    void irJobIsCompiledWithTheRequestedTierAndSplitOverSentrons() {
        String ir = TestJobs.example("mlp.ir");
        Map<String, HostTensor> in = new LinkedHashMap<>();
        in.put("x", TestJobs.random(3, 64, 256));
        in.put("W1", TestJobs.random(4, 256, 512));
        in.put("b1", TestJobs.random(5, 512));
        in.put("W2", TestJobs.random(6, 512, 128));
        in.put("b2", TestJobs.random(7, 128));
        String id = submit(TestJobs.body("ir", ir, in, "\"sentrons\": 2, \"optLevel\": 3"));
        JsonNode done = await(id, Set.of("SUCCEEDED", "FAILED"));
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toString());
        assertEquals(2, done.get("stats").get("sentrons").size(), "ran on two sentrons");
        var program = Compiler.compile(IrParser.parse(ir, "mlp.ir"), 3, 2).program();
        HostTensor want = Machine.run(program, in, Machine.Options.of(2)).outputs().get("y");
        assertArrayEquals(want.data(), fetch(id, "y").data());
    }

    @Test
    void onnxModelRunsWithItsWeightsAndIsFetchedByItsOnnxNames() {
        Map<String, HostTensor> in = Map.of("input.x", TestJobs.random(8, 4, 16));
        HostTensor w = TestJobs.random(9, 16, 8);
        byte[] onnx = new OnnxWriter("tiny").opset(17).input("input.x", 4, 16).output("out:y", 4, 8)
                .initializer("W", w.data(), 16, 8)
                .node("MatMul", List.of("input.x", "W"), List.of("h"))
                .node("Relu", List.of("h"), List.of("out:y")).toBytes();
        String id = submit(TestJobs.body("onnx", TestJobs.b64(onnx), in, null));
        JsonNode done = await(id, Set.of("SUCCEEDED", "FAILED"));
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toString());
        assertEquals("out:y", done.get("outputs").get(0).asText());
        HostTensor got = fetch(id, "out:y");
        float[] want = new float[32];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 8; j++) {
                double s = 0;
                for (int k = 0; k < 16; k++) {
                    s += (double) in.get("input.x").data()[i * 16 + k] * w.data()[k * 8 + j];
                }
                want[i * 8 + j] = (float) Math.max(0, s);
            }
        }
        assertArrayEquals(want, got.data(), 1e-4f);
    }

    @Test
    void natsSubmissionRepliesWithTheIdAndPublishesEvents() throws Exception {
        try (Connection nc = NatsConnections.connect(NatsTestResource.url(), "test-client")) {
            Subscription events = nc.subscribe("vtpu.jobs.*.events");
            String body = TestJobs.body("siwa", TestJobs.example("gemm.siwa"),
                    Map.of("A", TestJobs.random(1, 256, 256), "B", TestJobs.random(2, 256, 256)), null);
            Message reply = nc.request(Subjects.SUBMIT, body.getBytes(), Duration.ofSeconds(10));
            JsonNode r = Json.read(reply.getData(), JsonNode.class, "reply");
            String id = r.get("id").asText();
            assertEquals("QUEUED", r.get("status").asText());
            List<String> seen = new java.util.ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!seen.contains("SUCCEEDED") && System.nanoTime() < deadline) {
                Message m = events.nextMessage(Duration.ofSeconds(1));
                if (m != null && m.getSubject().equals(Subjects.events(id))) {
                    seen.add(Json.read(m.getData(), JsonNode.class, "event").get("status").asText());
                }
            }
            assertTrue(seen.containsAll(List.of("RUNNING", "SUCCEEDED")), "events: " + seen);

            Message bad = nc.request(Subjects.SUBMIT, "{\"program\": 3}".getBytes(), Duration.ofSeconds(10));
            JsonNode p = Json.read(bad.getData(), JsonNode.class, "problem");
            assertEquals(400, p.get("status").asInt());
            assertEquals("/program", p.get("field").asText());
        }
    }

    @Test
    void cancellingARunningJobStopsItOnItsNode() {
        String id = submit(TestJobs.body("siwa", TestJobs.spin(4_000_000_000L), Map.of("X", TestJobs.random(1, 8, 8)), null));
        JsonNode running = await(id, Set.of("RUNNING"));
        String node = running.get("node").asText();
        given().auth().oauth2(TOKEN).delete("/v1/jobs/" + id).then().statusCode(202).body("status", equalTo("CANCELLED"));
        NodeAgent agent = node.equals("agent-a") ? a : b;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!agent.runningJobs().isEmpty() && System.nanoTime() < deadline) {
            sleep(20);
        }
        assertEquals(List.of(), agent.runningJobs(), "the node stopped the cancelled job and freed its sentrons");
        given().auth().oauth2(TOKEN).delete("/v1/jobs/" + id).then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("already CANCELLED"));
        given().auth().oauth2(TOKEN).get("/v1/jobs/" + id + "/outputs/Y").then().statusCode(409);
    }

    @Test
    void nodesAreListedWithCapacityAndHealth() {
        given().auth().oauth2(TOKEN).get("/v1/nodes").then().statusCode(200)
                .body("node", hasItems("agent-a", "agent-b"))
                .body("find { it.node == 'agent-a' }.sentrons", equalTo(2))
                .body("find { it.node == 'agent-a' }.health", equalTo("UP"))
                .body("find { it.node == 'agent-a' }.cores", notNullValue());
    }

    @Test
    void jobsAreListedInPages() {
        for (int i = 0; i < 3; i++) {
            submit(TestJobs.body("siwa", TestJobs.spin(10), Map.of("X", TestJobs.random(1, 8, 8)), null));
        }
        int total = given().auth().oauth2(TOKEN).get("/v1/jobs?size=2").then().statusCode(200)
                .body("items.size()", equalTo(2)).body("size", equalTo(2)).extract().path("total");
        assertTrue(total >= 3);
        given().auth().oauth2(TOKEN).get("/v1/jobs?size=2&page=" + ((total - 1) / 2)).then().statusCode(200)
                .body("items.size()", equalTo(total % 2 == 0 ? 2 : 1));
        given().auth().oauth2(TOKEN).get("/v1/jobs?size=0").then().statusCode(400).body("field", equalTo("size"));
        given().auth().oauth2(TOKEN).get("/v1/jobs?status=DONE").then().statusCode(400).body("field", equalTo("status"));
    }

    // ---- bad input: each case its own status and field --------------------------------------------------------

    static Response post(String body) {
        return given().auth().oauth2(TOKEN).contentType("application/json").body(body).post("/v1/jobs");
    }

    static void problem(String body, int status, String field, String detail) {
        post(body).then().statusCode(status).contentType("application/problem+json")
                .body("status", equalTo(status)).body("field", equalTo(field)).body("detail", containsString(detail));
    }

    @Test
    void malformedJsonIs400WithTheLocation() {
        problem("{\"program\": {\"format\": \"siwa\",", 400, "", "malformed JSON at line 1");
    }

    @Test
    void unknownFormatIs400() {
        problem("{\"program\": {\"format\": \"tflite\", \"data\": \"x\"}}", 400, "/program/format", "unknown format 'tflite'");
    }

    @Test
    void unknownFieldIs400() {
        problem("{\"program\": {\"format\": \"ir\", \"data\": \"x\"}, \"priority\": 3}", 400, "/priority", "unknown field");
    }

    @Test
    void npyThatDoesNotParseIs400() {
        problem("{\"program\": {\"format\": \"siwa\", \"data\": " + TestJobs.quote(TestJobs.spin(1)) + "}, \"inputs\": {\"X\": \""
                + TestJobs.b64("not a numpy file".getBytes()) + "\"}}", 400, "/inputs/X", "not a valid .npy file");
        problem("{\"program\": {\"format\": \"siwa\", \"data\": \"x\"}, \"inputs\": {\"X\": \"@@@\"}}", 400, "/inputs/X", "not valid base64");
    }

    @Test
    void programThatDoesNotParseIs400WithItsLocation() {
        problem(TestJobs.body("siwa", "        D: FROB T0\n", Map.of(), null), 400, "/program/data", "program.siwa:1:");
        problem(TestJobs.body("ir", "graph g\ninput x: f32[4\n", Map.of(), null), 400, "/program/data", "program.ir:2:");
        problem(TestJobs.body("onnx", TestJobs.b64(new byte[] {1, 2, 3}), Map.of(), null), 400, "/program/data", "model.onnx");
    }

    @Test
    void shapesThatDoNotMatchTheProgramAre422() {
        String siwa = TestJobs.example("gemm.siwa");
        problem(TestJobs.body("siwa", siwa, Map.of("A", TestJobs.random(1, 128, 256), "B", TestJobs.random(2, 256, 256)), null),
                422, "/inputs/A", "has shape [128, 256]; the program expects [256, 256]");
        problem(TestJobs.body("siwa", siwa, Map.of("A", TestJobs.random(1, 256, 256)), null), 422, "/inputs", "missing input 'B'");
        problem(TestJobs.body("siwa", siwa, Map.of("A", TestJobs.random(1, 256, 256), "B", TestJobs.random(2, 256, 256),
                "Z", TestJobs.random(3, 2, 2)), null), 422, "/inputs/Z", "has no input 'Z'");
    }

    @Test
    void badNumbersAre400() {
        String siwa = TestJobs.spin(1);
        Map<String, HostTensor> in = Map.of("X", TestJobs.random(1, 8, 8));
        problem(TestJobs.body("siwa", siwa, in, "\"sentrons\": 0"), 400, "/sentrons", "expected an integer 1..4096");
        problem(TestJobs.body("siwa", siwa, in, "\"optLevel\": 7"), 400, "/optLevel", "expected an integer 0..3");
    }

    @Test
    void oversizeRequestsAre413() {
        // The test profile limits requests to 4 MB.
        String big = "{\"program\": {\"format\": \"ir\", \"data\": \"" + "x".repeat(4_100_000) + "\"}}";
        post(big).then().statusCode(413).contentType("application/problem+json").body("detail", containsString("the limit is 4000000"));
    }

    @Test
    void requestsWithoutAValidTokenAre401() {
        given().get("/v1/jobs").then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .contentType("application/problem+json");
        given().auth().oauth2("wrong").get("/v1/nodes").then().statusCode(401);
        given().contentType("application/json").body("{}").post("/v1/jobs").then().statusCode(401);
        given().auth().oauth2("wrong").delete("/v1/jobs/job-x").then().statusCode(401);
        given().get("/v1/jobs/job-x/outputs/y").then().statusCode(401);
    }

    @Test
    void unknownJobsAre404() {
        given().auth().oauth2(TOKEN).get("/v1/jobs/job-nope").then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(TOKEN).get("/v1/jobs/not..a..token").then().statusCode(404);
    }

    @Test
    void healthAndOpenApiAreServedWithoutAToken() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/v1/jobs/{id}/outputs/{name}"));
    }

    @Test
    void programsNeedingMoreSentronsThanAllNodesHaveFailClearly() {
        String id = submit(TestJobs.body("siwa", TestJobs.spin(1), Map.of("X", TestJobs.random(1, 8, 8)), "\"sentrons\": 5"));
        JsonNode done = await(id, Set.of("FAILED", "SUCCEEDED"));
        assertEquals("FAILED", done.get("status").asText());
        assertTrue(done.get("error").asText().contains("the live node agents have 4 in all"), done.toString());
    }

    @Test
    void aJobLargerThanAnyAgentIsSpreadOverAgentsAndCombinedByAllReduce() {
        // 4 sentrons, agents of 2: two shares, whose partial GEMMs the all-reduce adds over the network C pipe.
        String siwa = TestJobs.example("dp_gemm.siwa");
        Map<String, HostTensor> in = Map.of("A", TestJobs.random(1, 128, 256), "B", TestJobs.random(2, 256, 128));
        String id = submit(TestJobs.body("siwa", siwa, in, "\"sentrons\": 4"));
        JsonNode done = await(id, Set.of("SUCCEEDED", "FAILED"));
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toString());
        assertEquals(2, done.get("stats").get("parts").size(), done.toString());
        HostTensor want = Machine.run(TestJobs.assemble(siwa), in, Machine.Options.of(4)).outputs().get("C");
        assertArrayEquals(want.data(), fetch(id, "C").data(), "equal to one host's run, bit for bit");
    }

    @Test
    void aJobIsSpreadOverTheNodesAskedForAndItsSplitOutputMerged() {
        String siwa = TestJobs.example("mlp.siwa");
        Map<String, HostTensor> in = Map.of("x", TestJobs.random(1, 128, 256), "W", TestJobs.random(2, 256, 128),
                "b", TestJobs.random(3, 1, 128));
        String id = submit(TestJobs.body("siwa", siwa, in, "\"sentrons\": 2, \"nodes\": 2"));
        JsonNode done = await(id, Set.of("SUCCEEDED", "FAILED"));
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toString());
        assertTrue(done.get("node").asText().contains(","), "on two agents: " + done.get("node"));
        HostTensor want = Machine.run(TestJobs.assemble(siwa), in, Machine.Options.of(2)).outputs().get("y");
        assertArrayEquals(want.data(), fetch(id, "y").data());
        problem(TestJobs.body("siwa", siwa, in, "\"sentrons\": 2, \"nodes\": 3"), 400, "/nodes", "cannot spread 2 sentron(s) over 3");
    }

    @Test
    void programThatFailsAtRunTimeReportsTheNodesError() {
        // ONNX graph with a valid shape but compiled for the job's own input names: here a .siw that faults at run time.
        String siwa = """
                .tensor X f32[8, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor Y f32[8, 8] @1.1.1/1.1.1/1.1.2 output
                        S: CSET P0, X ^0
                        wait s0 | S: GATHER T1, P0, 8x8 ^1
                        wait s1 | S: SCATTER T1, P0, 8x8 ^2
                        wait s2
                """;
        byte[] siw = ProgramFile.write(TestJobs.assemble(siwa));
        String id = submit(TestJobs.body("siw", TestJobs.b64(siw), Map.of("X", TestJobs.random(1, 8, 8)), null));
        JsonNode done = await(id, Set.of("FAILED", "SUCCEEDED"));
        assertEquals("FAILED", done.get("status").asText(), done.toString());
        assertTrue(done.get("error").asText().startsWith("on node agent-"), done.toString());
    }
}

package ai.vtpu.router;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.testing.NatsTestResource;
import ai.vtpu.cluster.transport.NatsTransport;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.exec.Transport;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** router-svc against a real nats-server: groups over REST and NATS, routes from live C pipes, the relay. */
@QuarkusTest
@QuarkusTestResource(NatsTestResource.class)
class RouterAppTest {
    static final String TOKEN = "test-token";

    static io.restassured.specification.RequestSpecification api() {
        return given().auth().oauth2(TOKEN).contentType("application/json");
    }

    @Test
    void groupsAreCreatedJoinedLeftListedAndDeletedOverRest() {
        api().body("{\"name\": \"ring-a\", \"members\": [{\"node\": \"n1\", \"sentron\": 0}]}").post("/v1/groups")
                .then().statusCode(201).header("Location", containsString("/v1/groups/ring-a")).body("members.size()", equalTo(1));
        api().body("{\"node\": \"n2\", \"sentron\": 3}").post("/v1/groups/ring-a/members").then().statusCode(200)
                .body("members.node", hasItem("n2"));
        api().body("{\"node\": \"n2\", \"sentron\": 3}").post("/v1/groups/ring-a/members").then().statusCode(200)
                .body("members.size()", equalTo(2)); // joining twice is one membership
        api().get("/v1/groups").then().statusCode(200).body("name", hasItem("ring-a"));
        api().delete("/v1/groups/ring-a/members/n1/0").then().statusCode(200).body("members.size()", equalTo(1));
        api().get("/v1/groups/ring-a").then().statusCode(200).body("members[0].node", equalTo("n2"));
        api().delete("/v1/groups/ring-a").then().statusCode(204);
        api().get("/v1/groups/ring-a").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void badGroupRequestsGetTheirProblem() {
        api().body("{\"name\": \"a.b\"}").post("/v1/groups").then().statusCode(400).body("field", equalTo("/name"));
        api().body("{\"name\": \"g1\", \"members\": [{\"node\": \"n1\", \"sentron\": -1}]}").post("/v1/groups").then()
                .statusCode(400).body("field", equalTo("/members/0/sentron"));
        api().body("{\"name\": \"g1\", \"members\": [{\"sentron\": 1}]}").post("/v1/groups").then()
                .statusCode(400).body("field", equalTo("/members/0/node"));
        api().body("{oops").post("/v1/groups").then().statusCode(400).body("detail", containsString("malformed JSON"));
        api().body("{\"name\": \"dup\"}").post("/v1/groups").then().statusCode(201);
        api().body("{\"name\": \"dup\"}").post("/v1/groups").then().statusCode(409);
        api().body("{\"node\": \"n\", \"sentron\": 1}").post("/v1/groups/none/members").then().statusCode(404);
        given().get("/v1/groups").then().statusCode(401);
        given().auth().oauth2("wrong").get("/v1/routes").then().statusCode(401);
    }

    @Test
    void groupsOverNatsAreTheSameGroups() throws Exception {
        try (Connection nc = NatsConnections.connect(NatsTestResource.url(), "test")) {
            JsonNode created = Json.read(nc.request(Subjects.GROUPS_PREFIX + "create", "{\"name\": \"over-nats\"}".getBytes(),
                    Duration.ofSeconds(5)).getData(), JsonNode.class, "reply");
            assertEquals("over-nats", created.get("name").asText());
            nc.request(Subjects.GROUPS_PREFIX + "join", "{\"name\": \"over-nats\", \"node\": \"n7\", \"sentron\": 2}".getBytes(),
                    Duration.ofSeconds(5));
            JsonNode problem = Json.read(nc.request(Subjects.GROUPS_PREFIX + "join", "{\"name\": \"over-nats\", \"node\": \"n7\"}"
                    .getBytes(), Duration.ofSeconds(5)).getData(), JsonNode.class, "reply");
            assertEquals(400, problem.get("status").asInt());
            assertEquals("/sentron", problem.get("field").asText());
        }
        api().get("/v1/groups/over-nats").then().statusCode(200).body("members[0].node", equalTo("n7"))
                .body("members[0].sentron", equalTo(2));
    }

    /** Two hosts of a run (own connections); returns the all-reduce results of sentrons 0 and 1. */
    static List<float[]> allReduceOnTwoHosts(String run, boolean relay) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Connection> conns = new ArrayList<>();
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int s = 0; s < 2; s++) {
                Connection nc = NatsConnections.connect(NatsTestResource.url(), "host-" + s, false);
                conns.add(nc);
                int self = s;
                fs.add(pool.submit(() -> {
                    try (NatsTransport t = new NatsTransport(nc, run, Set.of(self), 2, 10_000, 0, relay)) {
                        float[] v = new float[100_000];
                        java.util.Arrays.fill(v, self + 1);
                        Transport.Message m = new Transport.Message(1, v.length, v);
                        t.allReduce(self, List.of(0, 1), 1, ReduceOp.SUM, m);
                        return m.data();
                    }
                }));
            }
            List<float[]> out = new ArrayList<>();
            for (Future<float[]> f : fs) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    @Test
    void trafficSentThroughTheRelayArrivesAsDirectTrafficDoes() throws Exception {
        long before = given().auth().oauth2(TOKEN).get("/v1/relay").then().statusCode(200).extract().<Number>path("frames").longValue();
        List<float[]> direct = allReduceOnTwoHosts("direct-run", false);
        List<float[]> relayed = allReduceOnTwoHosts("relayed-run", true);
        float[] three = new float[100_000];
        java.util.Arrays.fill(three, 3f);
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(three, direct.get(s));
            assertArrayEquals(three, relayed.get(s));
        }
        long after = given().auth().oauth2(TOKEN).get("/v1/relay").then().statusCode(200).extract().<Number>path("frames").longValue();
        assertTrue(after > before, "the relayed run went through the router: " + before + " -> " + after);
    }

    @Test
    void theRoutingTableShowsEveryOpenCPipeAndForgetsClosedOnes() throws Exception {
        try (Connection a = NatsConnections.connect(NatsTestResource.url(), "node-agent na", false);
             Connection b = NatsConnections.connect(NatsTestResource.url(), "node-agent nb", false)) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<NatsTransport> ta = pool.submit(() -> new NatsTransport(a, "routed", Set.of(0, 1), 3, 10_000));
            Future<NatsTransport> tb = pool.submit(() -> new NatsTransport(b, "routed", Set.of(2), 3, 10_000));
            NatsTransport x = ta.get();
            NatsTransport y = tb.get();
            long deadline = System.nanoTime() + 5_000_000_000L;
            int seen = 0;
            while (seen < 3 && System.nanoTime() < deadline) {
                seen = api().get("/v1/routes?run=routed").then().statusCode(200).extract().path("size()");
                Thread.sleep(20);
            }
            api().get("/v1/routes?run=routed").then().body("size()", equalTo(3)).body("find { it.sentron == 2 }.host",
                    equalTo("node-agent nb")).body("find { it.sentron == 0 }.subject", equalTo("vtpu.c.routed.s.0"));
            x.close();
            y.close();
            pool.shutdown();
            deadline = System.nanoTime() + 5_000_000_000L;
            while (seen > 0 && System.nanoTime() < deadline) {
                seen = api().get("/v1/routes?run=routed").then().extract().path("size()");
                Thread.sleep(20);
            }
            assertEquals(0, seen, "closed C pipes leave the table");
        }
    }

    @Test
    void anAbortedRunLeavesTheRoutingTable() throws Exception {
        try (Connection a = NatsConnections.connect(NatsTestResource.url(), "node-agent nc", false)) {
            NatsTransport t = new NatsTransport(a, "aborted", Set.of(0), 1, 10_000);
            long deadline = System.nanoTime() + 5_000_000_000L;
            int seen = 0;
            while (seen < 1 && System.nanoTime() < deadline) {
                seen = api().get("/v1/routes?run=aborted").then().extract().path("size()");
                Thread.sleep(20);
            }
            assertEquals(1, seen);
            t.abort("sentron 0 failed"); // no bye: as when a host dies and the others stop the run
            deadline = System.nanoTime() + 5_000_000_000L;
            while (seen > 0 && System.nanoTime() < deadline) {
                seen = api().get("/v1/routes?run=aborted").then().extract().path("size()");
                Thread.sleep(20);
            }
            assertEquals(0, seen);
        }
    }

    @Test
    void healthAndOpenApi() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/openapi?format=json").then().statusCode(200).body(containsString("/v1/groups/{name}/members"));
    }
}

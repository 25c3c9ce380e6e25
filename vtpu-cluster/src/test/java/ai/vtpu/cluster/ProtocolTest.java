package ai.vtpu.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import ai.vtpu.cluster.protocol.Messages.WorkOrder;
import ai.vtpu.cluster.protocol.Subjects;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolTest {
    @Test
    void subjectsAreBuiltOnlyFromSafeTokens() {
        assertEquals("vtpu.nodes.agent-1.work", Subjects.work("agent-1"));
        assertEquals("vtpu.jobs.job-abc.events", Subjects.events("job-abc"));
        for (String bad : List.of("", "a.b", "a*", "a>", "a b", "x".repeat(65))) {
            ClusterException e = assertThrows(ClusterException.class, () -> Subjects.work(bad), bad);
            assertTrue(e.getMessage().contains("expected 1-64 of A-Z a-z 0-9 _ -"), e.getMessage());
        }
        assertFalse(Subjects.isToken(null));
    }

    @Test
    void messagesRoundTripThroughJsonAndToleratNewerFields() {
        WorkOrder o = new WorkOrder("job-1", 2, "jobs/job-1/compiled/program.siw", Map.of("x", "jobs/job-1/in/x.npy"),
                List.of("y"), 2, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertEquals(o, Json.read(Json.bytes(o), WorkOrder.class, "test"));
        byte[] newer = "{\"node\":\"n\",\"cores\":8,\"sentrons\":8,\"sentronsBusy\":3,\"futureField\":true}".getBytes();
        Heartbeat hb = Json.read(newer, Heartbeat.class, "test");
        assertEquals(5, hb.sentronsFree());
    }

    @Test
    void aMessageThatDoesNotParseSaysWhereAndWhat() {
        ClusterException e = assertThrows(ClusterException.class, () -> Json.read("{\"attempt\": \"two\"}".getBytes(),
                WorkOrder.class, "vtpu.nodes.n.work"));
        assertTrue(e.getMessage().startsWith("vtpu.nodes.n.work: expected a WorkOrder as JSON"), e.getMessage());
    }
}

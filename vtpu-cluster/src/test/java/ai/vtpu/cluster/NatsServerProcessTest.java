package ai.vtpu.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.cluster.store.JetStreamSetup;
import ai.vtpu.cluster.store.TensorStore;
import io.nats.client.Connection;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The test harness's own server, and the object store that carries tensors larger than a NATS message. */
class NatsServerProcessTest {
    @Test
    void startsOnAFreePortAndCarriesATensorLargerThanAMessage() throws Exception {
        try (NatsServerProcess a = NatsServerProcess.start(); NatsServerProcess b = NatsServerProcess.start()) {
            assertTrue(a.port() != b.port(), "each on its own free port");
            try (Connection nc = NatsConnections.connect(a.url(), "test")) {
                JetStreamSetup.ensure(nc);
                JetStreamSetup.ensure(nc); // idempotent
                TensorStore store = new TensorStore(nc);
                assertTrue(nc.getMaxPayload() < 8 << 20);
                byte[] big = new byte[8 << 20];
                new Random(1).nextBytes(big);
                store.put("jobs/j/in/x.npy", big);
                assertTrue(java.util.Arrays.equals(big, store.get("jobs/j/in/x.npy")));
                assertFalse(store.find("jobs/j/in/missing.npy").isPresent());
                assertEquals(Connection.Status.CONNECTED, nc.getStatus());
            }
        }
    }
}

package ai.vtpu.cluster.testing;

import ai.vtpu.cluster.nats.NatsServerProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** A real nats-server (JetStream on) on a free port for the Quarkus tests; stopped and its store removed afterwards. */
public class NatsTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile NatsServerProcess server;

    @Override
    public Map<String, String> start() {
        server = NatsServerProcess.start();
        return Map.of("vtpu.nats.url", server.url());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }

    public static String url() {
        return server.url();
    }
}

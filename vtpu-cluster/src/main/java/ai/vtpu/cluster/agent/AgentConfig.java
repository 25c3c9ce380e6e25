package ai.vtpu.cluster.agent;

import ai.vtpu.cluster.protocol.Subjects;
import java.time.Duration;

/**
 * @param node this agent's name (a subject token; the host name in production)
 * @param sentrons how many sentrons it offers (default: the host's cores)
 * @param heartbeat how often it tells the schedulers its capacity
 * @param pin pin sentron threads to cores (off when several jobs share the host)
 * @param referenceKernels run the scalar reference kernels (slow; for checking)
 * @param cTimeoutMillis how long a C op waits for a peer
 */
public record AgentConfig(String node, int sentrons, Duration heartbeat, boolean pin, boolean referenceKernels, long cTimeoutMillis) {
    public AgentConfig {
        Subjects.token(node);
        if (sentrons < 1) {
            throw new IllegalArgumentException("sentrons must be at least 1, got " + sentrons);
        }
    }

    public static AgentConfig of(String node, int sentrons) {
        return new AgentConfig(node, sentrons, Duration.ofSeconds(1), false, false, 30_000);
    }

    public AgentConfig withHeartbeat(Duration d) {
        return new AgentConfig(node, sentrons, d, pin, referenceKernels, cTimeoutMillis);
    }

    public AgentConfig withReferenceKernels(boolean on) {
        return new AgentConfig(node, sentrons, heartbeat, pin, on, cTimeoutMillis);
    }
}

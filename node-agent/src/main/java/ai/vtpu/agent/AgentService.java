package ai.vtpu.agent;

import ai.vtpu.cluster.agent.AgentConfig;
import ai.vtpu.cluster.agent.AgentMetrics;
import ai.vtpu.cluster.agent.NodeAgent;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The node agent's work loop as a CDI bean. On SIGTERM Quarkus shuts down and {@link #stop()} drains: no new work,
 * running jobs get {@code vtpu.agent.drain-timeout} to finish, and the rest are handed back to the scheduler.
 */
@Startup
@ApplicationScoped
public class AgentService {
    @ConfigProperty(name = "vtpu.nats.url")
    String natsUrl;

    @ConfigProperty(name = "vtpu.agent.node")
    Optional<String> node;

    @ConfigProperty(name = "vtpu.agent.sentrons")
    Optional<Integer> sentrons;

    @ConfigProperty(name = "vtpu.agent.heartbeat", defaultValue = "1s")
    Duration heartbeat;

    @ConfigProperty(name = "vtpu.agent.drain-timeout", defaultValue = "30s")
    Duration drainTimeout;

    @ConfigProperty(name = "vtpu.agent.pin", defaultValue = "false")
    boolean pin;

    /** How long a C op waits for a peer (another sentron, on this or another agent) before the run fails. */
    @ConfigProperty(name = "vtpu.agent.c-timeout", defaultValue = "30s")
    Duration cTimeout;

    @Inject
    OpenTelemetry otel;

    private NodeAgent agent;

    @PostConstruct
    void start() {
        String name = node.filter(s -> !s.isBlank()).orElseGet(AgentService::hostName);
        int n = sentrons.orElse(Runtime.getRuntime().availableProcessors());
        AgentConfig c = new AgentConfig(name, n, heartbeat, pin, false, cTimeout.toMillis());
        agent = NodeAgent.start(natsUrl, c, new AgentMetrics(otel, name));
    }

    @PreDestroy
    void stop() {
        agent.drain(drainTimeout);
    }

    public NodeAgent agent() {
        return agent;
    }

    /** The host name as a subject token (Kubernetes passes the node name in VTPU_AGENT_NODE instead). */
    static String hostName() {
        String h = System.getenv().getOrDefault("HOSTNAME", "");
        if (h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                h = "node";
            }
        }
        String t = h.replaceAll("[^A-Za-z0-9_-]", "-");
        return t.length() > 64 ? t.substring(0, 64) : t;
    }
}

package ai.vtpu.router;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.router.GroupRegistry;
import ai.vtpu.cluster.router.Relay;
import ai.vtpu.cluster.router.RoutingTable;
import ai.vtpu.cluster.store.JetStreamSetup;
import io.nats.client.Connection;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The router's parts (routing table, sentron groups, relay) on one NATS connection, for the application's life. */
@Startup
@ApplicationScoped
public class RouterService {
    @ConfigProperty(name = "vtpu.nats.url")
    String natsUrl;

    @ConfigProperty(name = "vtpu.router.relay", defaultValue = "true")
    boolean relayOn;

    private Connection nc;
    private RoutingTable routes;
    private GroupRegistry groups;
    private Relay relay;

    @PostConstruct
    void start() {
        nc = NatsConnections.connect(natsUrl, "router-svc");
        JetStreamSetup.ensure(nc);
        routes = new RoutingTable(nc);
        groups = new GroupRegistry(nc);
        relay = relayOn ? new Relay(nc) : null;
    }

    @PreDestroy
    void stop() {
        if (relay != null) {
            relay.close();
        }
        routes.close();
        NatsConnections.close(nc);
    }

    public Connection connection() {
        return nc;
    }

    public RoutingTable routes() {
        return routes;
    }

    public GroupRegistry groups() {
        return groups;
    }

    public Relay relay() {
        return relay;
    }
}

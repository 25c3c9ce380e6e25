package ai.vtpu.scheduler.api;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.scheduler.core.Scheduler;
import ai.vtpu.scheduler.core.SchedulerConfig;
import io.nats.client.Connection;
import io.opentelemetry.api.OpenTelemetry;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The scheduler core as a CDI bean: one NATS connection, started with the application and closed with it. */
@Startup
@ApplicationScoped
public class SchedulerService {
    @ConfigProperty(name = "vtpu.nats.url")
    String natsUrl;

    @ConfigProperty(name = "vtpu.scheduler.node-timeout", defaultValue = "5s")
    Duration nodeTimeout;

    @ConfigProperty(name = "vtpu.api.max-request-bytes", defaultValue = "67108864")
    long maxRequestBytes;

    @ConfigProperty(name = "vtpu.scheduler.retention", defaultValue = "24h")
    Duration retention;

    @Inject
    OpenTelemetry otel;

    private Connection nc;
    private Scheduler scheduler;

    @PostConstruct
    void start() {
        nc = NatsConnections.connect(natsUrl, "scheduler-svc");
        SchedulerConfig d = SchedulerConfig.defaults();
        scheduler = new Scheduler(nc, new SchedulerConfig(nodeTimeout, d.tick(), maxRequestBytes, d.orderTimeout(), retention), otel).start();
    }

    @PreDestroy
    void stop() {
        scheduler.close();
        NatsConnections.close(nc);
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public Connection connection() {
        return nc;
    }
}

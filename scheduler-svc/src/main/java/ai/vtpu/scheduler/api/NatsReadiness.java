package ai.vtpu.scheduler.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while connected to NATS (jobs cannot be stored or placed otherwise). */
@Readiness
@ApplicationScoped
public class NatsReadiness implements HealthCheck {
    @Inject
    SchedulerService service;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("nats").status(service.scheduler().connected())
                .withData("url", service.connection().getConnectedUrl() == null ? "none" : service.connection().getConnectedUrl())
                .withData("nodesUp", service.scheduler().nodes().all().stream()
                        .filter(n -> service.scheduler().nodes().health(n.last().node()).name().equals("UP")).count())
                .build();
    }
}

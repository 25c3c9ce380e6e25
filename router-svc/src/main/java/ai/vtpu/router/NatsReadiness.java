package ai.vtpu.router;

import io.nats.client.Connection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while connected to NATS. */
@Readiness
@ApplicationScoped
public class NatsReadiness implements HealthCheck {
    @Inject
    RouterService router;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("nats").status(router.connection().getStatus() == Connection.Status.CONNECTED)
                .withData("relay", router.relay() != null).build();
    }
}

package ai.vtpu.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready to take work: connected to NATS and not draining. */
@Readiness
@ApplicationScoped
public class AgentReadiness implements HealthCheck {
    @Inject
    AgentService service;

    @Override
    public HealthCheckResponse call() {
        var a = service.agent();
        return HealthCheckResponse.named("node-agent").status(a.connected() && !a.leaving())
                .withData("node", a.config().node()).withData("sentrons", a.config().sentrons())
                .withData("sentronsBusy", a.busySentrons()).withData("draining", a.leaving()).build();
    }
}

package ai.vtpu.agent;

import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** This agent's own view: what its heartbeat says now (capacity, CPU features, running jobs, load). */
@Path("/v1/agent")
@Produces(MediaType.APPLICATION_JSON)
public class AgentResource {
    @Inject
    AgentService service;

    @GET
    public Heartbeat get() {
        return service.agent().heartbeatNow();
    }
}

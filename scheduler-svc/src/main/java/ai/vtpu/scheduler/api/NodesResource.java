package ai.vtpu.scheduler.api;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The node agents the scheduler hears, with capacity and health (UP, LEAVING, DOWN). */
@Path("/v1/nodes")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class NodesResource {
    @Inject
    SchedulerService service;

    @GET
    @Operation(summary = "Node agents with capacity and health")
    public List<Views.Node> list() {
        var nodes = service.scheduler().nodes();
        return nodes.all().stream().map(n -> Views.Node.of(n, nodes.health(n.last().node()))).toList();
    }
}

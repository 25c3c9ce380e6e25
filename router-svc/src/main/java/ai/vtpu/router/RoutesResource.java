package ai.vtpu.router;

import ai.vtpu.cluster.router.Route;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** The C pipe's routing table, and what the relay has carried. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class RoutesResource {
    @Inject
    RouterService router;

    @GET
    @Path("routes")
    @Operation(summary = "Sentron -> host and subject, for every run whose C pipe is open (or one run)")
    public List<Route> routes(@QueryParam("run") String run) {
        return router.routes().routes(run);
    }

    @GET
    @Path("relay")
    @Operation(summary = "Frames and bytes relayed since start")
    public Map<String, Object> relay() {
        var r = router.relay();
        return r == null ? Map.of("enabled", false) : Map.of("enabled", true, "frames", r.frames(), "bytes", r.bytes());
    }
}

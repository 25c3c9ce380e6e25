package ai.vtpu.router;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.router.SentronGroup;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** Sentron groups over REST: create, list, look at, join, leave, delete. */
@Path("/v1/groups")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class GroupsResource {
    @Inject
    RouterService router;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Create a group: {\"name\", \"members\"?: [{\"node\", \"sentron\"}]} (409 if it exists)")
    public Response create(byte[] body) {
        JsonNode o = GroupRequests.object(body);
        SentronGroup g = router.groups().create(GroupRequests.text(o, "name"), GroupRequests.members(o));
        return Response.created(URI.create("/v1/groups/" + g.name())).entity(g).build();
    }

    @GET
    @Operation(summary = "Every group, by name")
    public List<SentronGroup> list() {
        return router.groups().list();
    }

    @GET
    @Path("{name}")
    public SentronGroup get(@PathParam("name") String name) {
        return router.groups().get(name).orElseThrow(() -> ApiException.notFound("no group " + name));
    }

    @POST
    @Path("{name}/members")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Join: add {\"node\", \"sentron\"} (idempotent)")
    public SentronGroup join(@PathParam("name") String name, byte[] body) {
        return router.groups().join(name, GroupRequests.member(GroupRequests.object(body), ""));
    }

    @DELETE
    @Path("{name}/members/{node}/{sentron}")
    @Operation(summary = "Leave: remove a member (idempotent)")
    public SentronGroup leave(@PathParam("name") String name, @PathParam("node") String node, @PathParam("sentron") int sentron) {
        return router.groups().leave(name, new SentronGroup.Member(node, sentron));
    }

    @DELETE
    @Path("{name}")
    public Response delete(@PathParam("name") String name) {
        router.groups().delete(name);
        return Response.noContent().build();
    }
}

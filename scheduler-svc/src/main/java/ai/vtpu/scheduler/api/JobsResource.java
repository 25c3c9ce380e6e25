package ai.vtpu.scheduler.api;

import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.JobStatus;
import ai.vtpu.cluster.protocol.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/** Jobs over REST: submit, look at, fetch outputs of, cancel and list. Bodies are JSON; outputs are .npy. */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class JobsResource {
    @Inject
    SchedulerService service;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Submit a job", description = "Body: {\"program\": {\"format\": \"onnx\"|\"ir\"|\"siwa\"|\"siw\", \"data\": "
            + "text or base64}, \"inputs\": {\"NAME\": base64 .npy}, \"sentrons\"?: 1.., \"optLevel\"?: 0..3, \"split\"?: [NAME]}")
    @RequestBody(required = true)
    @APIResponse(responseCode = "202", description = "Accepted and stored durably: {\"id\", \"status\"}")
    @APIResponse(responseCode = "400", description = "Malformed request (problem+json names the field)")
    @APIResponse(responseCode = "413", description = "Larger than vtpu.api.max-request-bytes")
    @APIResponse(responseCode = "422", description = "Inputs do not match the program")
    public Response submit(byte[] body) {
        JobRecord j = service.scheduler().submit(service.scheduler().parser().parse(body));
        return Response.accepted(new Views.Accepted(j.id(), j.status())).location(URI.create("/v1/jobs/" + j.id())).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A job's status, error, node and run statistics")
    public Views.Job get(@PathParam("id") String id) {
        return Views.Job.of(service.scheduler().get(id).orElseThrow(() -> ApiException.notFound("no job " + id)));
    }

    @GET
    @Path("{id}/outputs/{name}")
    @Produces("application/octet-stream")
    @Operation(summary = "An output of a job that succeeded, as a .npy file")
    public Response output(@PathParam("id") String id, @PathParam("name") String name) {
        byte[] npy = service.scheduler().output(id, name);
        return Response.ok(npy, "application/octet-stream")
                .header("Content-Disposition", "attachment; filename=\"" + name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".npy\"").build();
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Cancel a job that has not finished (409 if it has)")
    public Response cancel(@PathParam("id") String id) {
        return Response.accepted(Views.Job.of(service.scheduler().cancel(id))).build();
    }

    @GET
    @Operation(summary = "Jobs, oldest first, a page at a time; optionally only those in one status")
    public Views.JobPage list(@QueryParam("page") @DefaultValue("0") int page, @QueryParam("size") @DefaultValue("50") int size,
                              @QueryParam("status") String status) {
        if (page < 0) {
            throw ApiException.badRequest("page", "expected page >= 0, got " + page);
        }
        if (size < 1 || size > 1000) {
            throw ApiException.badRequest("size", "expected size 1..1000, got " + size);
        }
        JobStatus want = null;
        if (status != null) {
            want = Arrays.stream(JobStatus.values()).filter(s -> s.name().equalsIgnoreCase(status)).findFirst()
                    .orElseThrow(() -> ApiException.badRequest("status", "unknown status '" + status + "'; expected one of "
                            + Arrays.toString(JobStatus.values())));
        }
        JobStatus w = want;
        List<JobRecord> all = service.scheduler().list().stream().filter(j -> w == null || j.status() == w).toList();
        List<Views.Job> items = all.stream().skip((long) page * size).limit(size).map(Views.Job::of).toList();
        return new Views.JobPage(items, page, size, all.size());
    }
}

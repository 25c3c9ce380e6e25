package ai.vtpu.rest;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.ApiException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Every error of the API as application/problem+json (RFC 9457). */
public final class ProblemMapper {
    static final MediaType PROBLEM = MediaType.valueOf("application/problem+json");

    private ProblemMapper() {
    }

    static Response of(ApiException e, String instance) {
        return Response.status(e.status()).type(PROBLEM).entity(e.problem(instance)).build();
    }

    @Provider
    public static class Api implements ExceptionMapper<ApiException> {
        @Context
        UriInfo uri;

        @Override
        public Response toResponse(ApiException e) {
            return of(e, uri == null ? null : "/" + uri.getPath().replaceFirst("^/", ""));
        }
    }

    /** NATS or JetStream trouble: the service is unavailable, and says why. */
    @Provider
    public static class Cluster implements ExceptionMapper<ClusterException> {
        @Override
        public Response toResponse(ClusterException e) {
            return of(new ApiException(503, "Cluster unavailable", e.getMessage(), null), null);
        }
    }

    /** Unknown paths, wrong methods, unacceptable media types: the framework's status, in the same problem form. */
    @Provider
    public static class Web implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            return of(new ApiException(status, e.getResponse().getStatusInfo().getReasonPhrase(), e.getMessage(), null), null);
        }
    }
}

package ai.vtpu.rest;

import ai.vtpu.cluster.protocol.ApiException;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Bearer tokens on every {@code /v1} endpoint (tokens from {@code vtpu.api.tokens}); health and OpenAPI stay
 * open. Also refuses bodies over the size limit before they are read, from Content-Length.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class BearerAuthFilter implements ContainerRequestFilter {
    @ConfigProperty(name = "vtpu.api.tokens")
    List<String> tokens;

    @ConfigProperty(name = "vtpu.api.max-request-bytes", defaultValue = "67108864")
    long maxRequestBytes;

    @Override
    public void filter(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!path.startsWith("/v1") && !path.startsWith("v1")) {
            return;
        }
        String auth = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7) || !known(auth.substring(7).trim())) {
            ApiException e = new ApiException(401, "Unauthorized", auth == null ? "missing Authorization: Bearer <token>"
                    : "the bearer token is not one of vtpu.api.tokens", null);
            ctx.abortWith(Response.status(401).type(ProblemMapper.PROBLEM).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"vtpu\"")
                    .entity(e.problem(path)).build());
            return;
        }
        int length = ctx.getLength();
        if (length > maxRequestBytes) {
            ApiException e = new ApiException(413, "Payload too large", "the request has " + length + " bytes; the limit is "
                    + maxRequestBytes + " (vtpu.api.max-request-bytes)", null);
            ctx.abortWith(Response.status(413).type(ProblemMapper.PROBLEM).entity(e.problem(path)).build());
        }
    }

    /** Constant-time comparison, so the time taken does not tell how much of a token was right. */
    private boolean known(String presented) {
        byte[] p = presented.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (String t : tokens) {
            ok |= !t.isBlank() && MessageDigest.isEqual(p, t.trim().getBytes(StandardCharsets.UTF_8));
        }
        return ok;
    }
}

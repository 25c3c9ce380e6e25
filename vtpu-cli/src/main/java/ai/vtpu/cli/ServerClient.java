package ai.vtpu.cli;

import ai.vtpu.runtime.VtpuRuntimeException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The scheduler's REST API as the CLI uses it (docs/CLUSTER.md). A problem+json answer becomes an error that says
 * the status, what was wrong and the request field at fault.
 */
final class ServerClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** --server and --token, shared by submit, status, fetch and nodes. */
    static final class Options {
        @Option(names = "--server", paramLabel = "URL", description = "The scheduler (default: $VTPU_SERVER or http://127.0.0.1:8080).")
        String server;

        @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: $VTPU_TOKEN or dev-token, the local cluster's).")
        String token;

        ServerClient client() {
            String url = server != null ? server : System.getenv().getOrDefault("VTPU_SERVER", "http://127.0.0.1:8080");
            String t = token != null ? token : System.getenv().getOrDefault("VTPU_TOKEN", "dev-token");
            return new ServerClient(url.replaceAll("/+$", ""), t);
        }
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ServerClient(String base, String token) {
        this.base = base;
        this.token = token;
    }

    JsonNode postJson(String path, byte[] body) {
        return json(send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))));
    }

    JsonNode getJson(String path) {
        return json(send(HttpRequest.newBuilder(uri(path)).GET()));
    }

    JsonNode delete(String path) {
        return json(send(HttpRequest.newBuilder(uri(path)).DELETE()));
    }

    byte[] getBytes(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private URI uri(String path) {
        try {
            return URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new VtpuRuntimeException("--server " + base + ": not a URL (" + e.getMessage() + ")");
        }
    }

    private byte[] send(HttpRequest.Builder b) {
        HttpRequest req = b.header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(2)).build();
        HttpResponse<byte[]> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new VtpuRuntimeException("cannot reach the scheduler at " + base + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); start a local cluster with scripts/local-cluster.sh, "
                    + "or point --server / $VTPU_SERVER at one");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VtpuRuntimeException("interrupted while talking to " + base);
        }
        if (r.statusCode() / 100 != 2) {
            String detail = new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
            try {
                JsonNode p = JSON.readTree(r.body());
                detail = p.path("detail").asText(detail) + (p.hasNonNull("field") && !p.get("field").asText().isEmpty()
                        ? " (at " + p.get("field").asText() + ")" : "");
            } catch (IOException notJson) {
                // keep the body as it came
            }
            throw new VtpuRuntimeException(req.method() + " " + req.uri() + ": HTTP " + r.statusCode() + ": " + detail);
        }
        return r.body();
    }

    private static JsonNode json(byte[] b) {
        try {
            return JSON.readTree(b);
        } catch (IOException e) {
            throw new VtpuRuntimeException("the scheduler answered something that is not JSON: " + e.getMessage());
        }
    }
}

package ai.vtpu.bench;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.store.TensorStore;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Job round trips through a running cluster (scripts/bench-cluster.sh starts the local one): a small job's latency
 * from submission to its output in hand, over REST (submit, poll, fetch) and over NATS (request-reply submit, the
 * job's events, the output from the object store), and sustained jobs per minute with many in flight; next to the
 * anchor measured in the same run, a bare NATS request-reply on the same server.
 *
 * <p>Usage: {@code ClusterBench SCHEDULER_URL NATS_URL TOKEN [JOBS_PER_RUN]}.
 */
public final class ClusterBench {
    static final String SMALL = """
            .tensor X f32[2, 4] @1.1.1/1.1.1/1.1.1 input
            .tensor Y f32[2, 4] @1.1.1/1.1.1/1.1.2 output
                    S: CSET P0, X ^0
                    wait s0 | S: GATHER T0, P0, 2x4 ^1
                    wait s1 | D: ADD T1, T0, T0 | S: CSET P1, Y ^2
                    wait s2 | S: SCATTER T1, P1, 2x4 ^3
                    wait s3
            """;

    private final String server;
    private final String token;
    private final Connection nc;
    private final TensorStore store;
    private final HttpClient http = HttpClient.newHttpClient();
    private final byte[] body;
    private final Map<String, CountDownLatch> done = new ConcurrentHashMap<>();
    private final Map<String, String> finalStatus = new ConcurrentHashMap<>();

    ClusterBench(String server, String natsUrl, String token) {
        this.server = server;
        this.token = token;
        this.nc = NatsConnections.connect(natsUrl, "cluster-bench");
        this.store = new TensorStore(nc);
        HostTensor x = new HostTensor(List.of(2, 4), new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        String json = "{\"program\": {\"format\": \"siwa\", \"data\": " + Json.quote(SMALL) + "}, \"inputs\": {\"X\": \""
                + Base64.getEncoder().encodeToString(Npy.toBytes(x)) + "\"}}";
        this.body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Dispatcher d = nc.createDispatcher(m -> {
            JsonNode e = Json.read(m.getData(), JsonNode.class, m.getSubject());
            String status = e.get("status").asText();
            if (status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED")) {
                String id = e.get("id").asText();
                finalStatus.put(id, status);
                done.computeIfAbsent(id, k -> new CountDownLatch(1)).countDown();
            }
        });
        d.subscribe(Subjects.EVENTS_ALL);
    }

    // ---- one job each way ----------------------------------------------------------------------------------------

    HttpResponse<byte[]> http(HttpRequest.Builder b) throws Exception {
        HttpResponse<byte[]> r = http.send(b.header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(r.request().uri() + ": HTTP " + r.statusCode() + " " + new String(r.body()));
        }
        return r;
    }

    String restSubmit() throws Exception {
        var r = http(HttpRequest.newBuilder(URI.create(server + "/v1/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        return Json.read(r.body(), JsonNode.class, "reply").get("id").asText();
    }

    /** Submit, poll (every millisecond, as an eager client would), fetch: what a REST user waits for. */
    byte[] restRoundTrip() throws Exception {
        String id = restSubmit();
        while (true) {
            var r = http(HttpRequest.newBuilder(URI.create(server + "/v1/jobs/" + id)).GET());
            String status = Json.read(r.body(), JsonNode.class, "job").get("status").asText();
            if (status.equals("SUCCEEDED")) {
                break;
            }
            if (status.equals("FAILED") || status.equals("CANCELLED")) {
                throw new IllegalStateException(id + " " + status + ": " + new String(r.body()));
            }
            Thread.sleep(1);
        }
        return http(HttpRequest.newBuilder(URI.create(server + "/v1/jobs/" + id + "/outputs/Y")).GET()).body();
    }

    String natsSubmit() throws Exception {
        Message m = nc.request(Subjects.SUBMIT, body, Duration.ofSeconds(30));
        JsonNode r = Json.read(m.getData(), JsonNode.class, "reply");
        if (!r.has("id")) {
            throw new IllegalStateException("submit refused: " + r);
        }
        done.computeIfAbsent(r.get("id").asText(), k -> new CountDownLatch(1));
        return r.get("id").asText();
    }

    void awaitEvent(String id) throws InterruptedException {
        if (!done.computeIfAbsent(id, k -> new CountDownLatch(1)).await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(id + " did not finish within 120 s");
        }
        if (!"SUCCEEDED".equals(finalStatus.get(id))) {
            throw new IllegalStateException(id + " " + finalStatus.get(id));
        }
    }

    /** Submit by request-reply, wait for the SUCCEEDED event, read the output from the object store. */
    byte[] natsRoundTrip() throws Exception {
        String id = natsSubmit();
        awaitEvent(id);
        return store.get(TensorStore.jobObject(id, "out/1", "Y.npy"));
    }

    double anchorMicros(int n) throws Exception {
        Dispatcher echo = nc.createDispatcher(m -> nc.publish(m.getReplyTo(), m.getData()));
        echo.subscribe("bench.echo");
        byte[] payload = new byte[body.length];
        for (int i = 0; i < 200; i++) {
            nc.request("bench.echo", payload, Duration.ofSeconds(5));
        }
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            nc.request("bench.echo", payload, Duration.ofSeconds(5));
            t[i] = (System.nanoTime() - t0) / 1e3;
        }
        nc.closeDispatcher(echo);
        return median(t);
    }

    double[] latencies(int n, boolean rest) throws Exception {
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            byte[] out = rest ? restRoundTrip() : natsRoundTrip();
            t[i] = (System.nanoTime() - t0) / 1e6;
            if (Npy.parse(out, "Y").data()[7] != 16f) {
                throw new IllegalStateException("wrong output: " + Arrays.toString(Npy.parse(out, "Y").data()));
            }
        }
        return t;
    }

    /** {@code jobs} submitted by 8 clients at once; jobs per minute from the first submission to the last completion. */
    double throughput(int jobs, boolean rest) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        long t0 = System.nanoTime();
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            ids.add(clients.submit(() -> rest ? restSubmit() : natsSubmit()));
        }
        for (Future<String> f : ids) {
            awaitEvent(f.get());
        }
        double minutes = (System.nanoTime() - t0) / 6e10;
        clients.shutdown();
        return jobs / minutes;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static double p90(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)];
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ClusterBench SCHEDULER_URL NATS_URL TOKEN [JOBS_PER_RUN]");
            System.exit(2);
        }
        int jobs = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        ClusterBench b = new ClusterBench(args[0].replaceAll("/+$", ""), args[1], args[2]);
        // Warm-up: the JITs of the scheduler, the agents and this client.
        // Warm-up until the services' JITs settle (the first runs were 2x slower with less).
        b.latencies(150, true);
        b.latencies(150, false);
        b.throughput(400, true);
        b.throughput(400, false);
        int runs = 3;
        System.out.println("run  anchor_us  rest_p50_ms  rest_p90_ms  nats_p50_ms  nats_p90_ms  rest_jobs_per_min  nats_jobs_per_min");
        double[][] cols = new double[7][runs];
        for (int r = 0; r < runs; r++) {
            double anchor = b.anchorMicros(2000);
            double[] rest = b.latencies(50, true);
            double[] nats = b.latencies(50, false);
            double rt = b.throughput(jobs, true);
            double nt = b.throughput(jobs, false);
            double[] row = {anchor, median(rest), p90(rest), median(nats), p90(nats), rt, nt};
            for (int c = 0; c < 7; c++) {
                cols[c][r] = row[c];
            }
            System.out.printf(Locale.ROOT, "%3d  %9.1f  %11.2f  %11.2f  %11.2f  %11.2f  %17.0f  %17.0f%n", r + 1, row[0], row[1], row[2],
                    row[3], row[4], row[5], row[6]);
        }
        System.out.printf(Locale.ROOT, "median %7.1f  %11.2f  %11.2f  %11.2f  %11.2f  %17.0f  %17.0f%n", median(cols[0]), median(cols[1]),
                median(cols[2]), median(cols[3]), median(cols[4]), median(cols[5]), median(cols[6]));
        System.out.printf(Locale.ROOT, "round trip / NATS request-reply (medians): REST %.0fx, NATS %.0fx%n",
                median(cols[1]) * 1000 / median(cols[0]), median(cols[3]) * 1000 / median(cols[0]));
        b.nc.close();
    }
}

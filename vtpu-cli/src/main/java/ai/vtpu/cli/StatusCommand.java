package ai.vtpu.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vtpu status ID [--wait]}. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's status (as JSON), or wait for it to finish.")
final class StatusCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The job id that submit printed.")
    String id;

    @Option(names = "--wait", description = "Wait for the job to finish, printing each change of status.")
    boolean await;

    @Mixin
    ServerClient.Options server;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        ServerClient client = server.client();
        JsonNode job = await ? await(client, id, out) : client.getJson("/v1/jobs/" + id);
        out.println(ServerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(job));
        return 0;
    }

    /** Polls until the job is SUCCEEDED, FAILED or CANCELLED; prints each status as it changes, with the time since the start. */
    static JsonNode await(ServerClient client, String id, PrintWriter out) {
        long t0 = System.nanoTime();
        String last = "";
        long pause = 20;
        while (true) {
            JsonNode job = client.getJson("/v1/jobs/" + id);
            String status = job.get("status").asText();
            if (!status.equals(last)) {
                out.printf(java.util.Locale.ROOT, "%8.3f s  %s%s%s%n", (System.nanoTime() - t0) / 1e9, status,
                        job.hasNonNull("node") ? " on " + job.get("node").asText() : "",
                        job.hasNonNull("error") ? ": " + job.get("error").asText() : "");
                out.flush();
                last = status;
            }
            if (status.equals("SUCCEEDED") || status.equals("FAILED") || status.equals("CANCELLED")) {
                return job;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return job;
            }
            pause = Math.min(500, pause * 2);
        }
    }
}

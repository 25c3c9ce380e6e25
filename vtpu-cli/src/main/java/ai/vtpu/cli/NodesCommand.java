package ai.vtpu.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vtpu nodes}: the node agents the scheduler hears. */
@Command(name = "nodes", mixinStandardHelpOptions = true, description = "List the node agents with their capacity and health.")
final class NodesCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the scheduler's JSON as is.")
    boolean json;

    @Mixin
    ServerClient.Options server;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode nodes = server.client().getJson("/v1/nodes");
        if (json) {
            out.println(ServerClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(nodes));
            return 0;
        }
        out.printf("%-20s %-8s %6s %9s %6s %8s  %s%n", "NODE", "HEALTH", "CORES", "SENTRONS", "BUSY", "LOAD", "RUNNING");
        for (JsonNode n : nodes) {
            out.printf(java.util.Locale.ROOT, "%-20s %-8s %6d %9d %6d %8.2f  %s%n", n.get("node").asText(), n.get("health").asText(),
                    n.get("cores").asInt(), n.get("sentrons").asInt(), n.get("sentronsBusy").asInt(), n.get("load").asDouble(),
                    n.get("running").size() == 0 ? "-" : n.get("running").toString());
        }
        if (nodes.isEmpty()) {
            out.println("(no node agents; start some with scripts/local-cluster.sh)");
        }
        return 0;
    }
}

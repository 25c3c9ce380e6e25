package ai.vtpu.cli;

import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.io.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vtpu submit PROGRAM --in NAME=FILE ... [--wait] [--out NAME=FILE]}: a job for the cluster's scheduler. */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submit a job (an .onnx model, .ir graph, .siwa or .siw program and its inputs) to the scheduler.")
final class SubmitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PROGRAM", description = "model.onnx, graph.ir, program.siwa or program.siw.")
    Path program;

    @Option(names = "--in", paramLabel = "NAME=FILE", description = "An input tensor, .npy or .pb (repeatable).")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--sentrons", paramLabel = "N", description = "Sentrons to run on (default: 1).")
    Integer sentrons;

    @Option(names = "-O", paramLabel = "LEVEL", description = "Optimisation tier 0..3 for .onnx and .ir (default: 2).")
    Integer opt;

    @Option(names = "--split", paramLabel = "INPUT", split = ",", description = "Inputs to divide along their first axis among the sentrons.")
    List<String> split = new ArrayList<>();

    @Option(names = "--wait", description = "Wait for the job to finish, printing each change of status.")
    boolean await;

    @Option(names = "--out", paramLabel = "NAME=FILE", description = "With --wait: fetch this output into a .npy or .pb file (repeatable).")
    Map<String, Path> outputs = new LinkedHashMap<>();

    @Mixin
    ServerClient.Options server;

    @Spec
    CommandSpec spec;

    static String format(Path p) {
        String n = p.getFileName().toString();
        for (String f : List.of("onnx", "ir", "siwa", "siw")) {
            if (n.endsWith("." + f)) {
                return f;
            }
        }
        throw new VtpuRuntimeException(p + ": cannot tell the program's format; expected a name ending in .onnx, .ir, .siwa or .siw");
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String format = format(program);
        byte[] bytes = Files2.readBytes(program);
        ObjectNode req = ServerClient.JSON.createObjectNode();
        ObjectNode prog = req.putObject("program");
        prog.put("format", format);
        prog.put("data", format.equals("onnx") || format.equals("siw") ? Base64.getEncoder().encodeToString(bytes)
                : new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        ObjectNode in = req.putObject("inputs");
        inputs.forEach((name, file) -> in.put(name, Base64.getEncoder().encodeToString(Npy.toBytes(TensorFiles.read(file)))));
        if (sentrons != null) {
            req.put("sentrons", sentrons);
        }
        if (opt != null) {
            req.put("optLevel", opt);
        }
        if (!split.isEmpty()) {
            split.forEach(req.putArray("split")::add);
        }
        ServerClient client = server.client();
        JsonNode accepted = client.postJson("/v1/jobs", req.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String id = accepted.get("id").asText();
        out.println(id);
        out.flush();
        if (!await) {
            return 0;
        }
        JsonNode job = StatusCommand.await(client, id, out);
        if (!job.get("status").asText().equals("SUCCEEDED")) {
            return VtpuCommand.EXIT_INPUT;
        }
        outputs.forEach((name, file) -> FetchCommand.fetch(client, id, name, file, out));
        return 0;
    }
}

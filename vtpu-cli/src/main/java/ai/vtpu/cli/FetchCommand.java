package ai.vtpu.cli;

import ai.vtpu.runtime.io.Npy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vtpu fetch ID NAME -o FILE.npy}. */
@Command(name = "fetch", mixinStandardHelpOptions = true, description = "Download an output of a finished job as .npy (or .pb by extension).")
final class FetchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
    String id;

    @Parameters(index = "1", paramLabel = "NAME", description = "The output's name.")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write it (default: NAME.npy).")
    Path file;

    @Mixin
    ServerClient.Options server;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        fetch(server.client(), id, name, file != null ? file : Path.of(name.replaceAll("[^A-Za-z0-9_.-]", "_") + ".npy"),
                spec.commandLine().getOut());
        return 0;
    }

    static void fetch(ServerClient client, String id, String name, Path file, PrintWriter out) {
        byte[] npy = client.getBytes("/v1/jobs/" + id + "/outputs/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20"));
        var t = Npy.parse(npy, name);
        TensorFiles.write(file, name, t);
        out.println("wrote " + name + " " + t.shape() + " to " + file);
    }
}

package ai.vtpu.cli;

import ai.vtpu.isa.asm.Loader;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.io.Npy;
import ai.vtpu.runtime.telemetry.ClockProbe;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vtpu run PROGRAM --in NAME=FILE.npy ... --out NAME=FILE.npy ...}: executes a program on this host.
 * Tensor files are .npy, or ONNX TensorProto .pb (the format of the ONNX test suite), by extension.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a .siw or .siwa program on this host's sentrons; tensors enter and leave as .npy or ONNX TensorProto .pb files.")
final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PROGRAM", description = "A .siw or .siwa program.")
    Path program;

    @Option(names = "--in", paramLabel = "NAME=FILE", description = "An input tensor, .npy or .pb (repeatable).")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "NAME=FILE", description = "Where to write an output tensor, .npy or .pb by extension (repeatable).")
    Map<String, Path> outputs = new LinkedHashMap<>();

    @Option(names = "--random-inputs", paramLabel = "SEED",
            description = "Fill every input not given with --in with standard-normal values from this seed.")
    Long seed;

    @Option(names = "--save-inputs", paramLabel = "DIR",
            description = "Write every input the run used (given, weights or random) to DIR/NAME.npy, e.g. to submit the same job to a cluster.")
    Path saveInputs;

    @Option(names = "--sentrons", paramLabel = "N", defaultValue = "1", description = "Sentrons to run on (default: ${DEFAULT-VALUE}).")
    int sentrons;

    @Option(names = "--stats", description = "Print the telemetry as a table.")
    boolean stats;

    @Option(names = "--json", description = "Print the telemetry as JSON.")
    boolean json;

    @Option(names = "--reference", description = "Use the scalar reference kernels (slow; for checking).")
    boolean reference;

    @Option(names = "--timeout-ms", defaultValue = "30000", description = "How long a C op waits for a peer (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Program p = Loader.load(program).program();
        for (String name : outputs.keySet()) {
            TensorDecl t = p.tensor(name).orElseThrow(() -> new VtpuRuntimeException("--out " + name
                    + ": the program declares no tensor of that name"));
            if (!t.role().isOutput()) {
                throw new VtpuRuntimeException("--out " + name + ": the tensor is declared " + t.role().label() + ", not output");
            }
        }
        Map<String, HostTensor> in = new LinkedHashMap<>();
        // Weights that `vtpu compile` wrote beside the program (ONNX initializers) come first; --in overrides them.
        Path weights = weightsDir(program);
        if (java.nio.file.Files.isDirectory(weights)) {
            try (var files = java.nio.file.Files.list(weights)) {
                for (Path f : files.filter(x -> x.toString().endsWith(".npy")).toList()) {
                    String name = f.getFileName().toString().replaceFirst("\\.npy$", "");
                    in.put(name, Npy.read(f));
                }
            } catch (java.io.IOException e) {
                throw new VtpuRuntimeException(weights + ": cannot list (" + e.getMessage() + ")");
            }
        }
        inputs.forEach((name, file) -> in.put(name, TensorFiles.read(file)));
        if (seed != null) {
            Random rnd = new Random(seed);
            for (TensorDecl t : p.tensors()) {
                if (t.role().isInput() && !in.containsKey(t.name())) {
                    in.put(t.name(), HostTensor.gaussian(rnd, t.shape()));
                }
            }
        }
        if (saveInputs != null) {
            try {
                java.nio.file.Files.createDirectories(saveInputs);
            } catch (java.io.IOException e) {
                throw new VtpuRuntimeException(saveInputs + ": cannot create (" + e.getMessage() + ")");
            }
            in.forEach((name, t) -> Npy.write(saveInputs.resolve(name + ".npy"), t));
        }
        double clock = stats || json ? ClockProbe.measureGHz(5) : 0;
        Machine.Result r = Machine.run(p, in, new Machine.Options(sentrons, reference, timeoutMillis, true));
        for (var e : r.outputs().entrySet()) {
            Path file = outputs.get(e.getKey());
            HostTensor t = e.getValue();
            if (file != null) {
                TensorFiles.write(file, e.getKey(), t);
                if (!json) {
                    out.println("wrote " + e.getKey() + " " + t.shape() + " to " + file);
                }
            } else if (!json) {
                out.println("output " + e.getKey() + " " + t.shape() + " " + preview(t.data())
                        + " (not saved; add --out " + e.getKey() + "=FILE.npy)");
            }
        }
        if (stats) {
            out.print(r.stats().table(clock));
        }
        if (json) {
            out.println(r.stats().json(clock));
        }
        return 0;
    }

    private static String preview(float[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(4, v.length); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(java.util.Locale.ROOT, "%.4g", v[i]));
        }
        return sb.append(v.length > 4 ? ", ...]" : "]").toString();
    }

    /** Where the initializers of a program compiled from ONNX live: {@code model.siw} -> {@code model.weights/}. */
    static Path weightsDir(Path program) {
        return Files2.withExtension(program, ".weights");
    }

    static List<String> names(Program p) {
        return p.tensors().stream().map(TensorDecl::name).toList();
    }
}

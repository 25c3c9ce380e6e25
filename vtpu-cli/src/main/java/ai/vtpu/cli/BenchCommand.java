package ai.vtpu.cli;

import ai.vtpu.bench.BenchSuite;
import ai.vtpu.bench.GemmProgram;
import ai.vtpu.bench.SyntheticProgram;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vtpu bench}: the runtime benchmarks, with their anchors measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Run the runtime benchmarks and print Markdown tables: SGEMM through SIW programs next to the tile",
            "kernel alone and OpenBLAS (numpy in python3, skipped with a message where missing), double-buffered versus",
            "plain GEMM, and the synthetic D/S/C streams. Medians of --reps runs after --warmups runs."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--suite", defaultValue = "all", split = ",", description = "sgemm, overlap, synthetic, compiler or all (default: ${DEFAULT-VALUE}).")
    String[] suites;

    @Option(names = "--sizes", defaultValue = "256,512,1024,2048", split = ",", description = "SGEMM sizes (default: ${DEFAULT-VALUE}).")
    int[] sizes;

    @Option(names = "--sentrons", defaultValue = "1,2", split = ",", description = "Sentron counts for SGEMM (default: ${DEFAULT-VALUE}).")
    int[] sentrons;

    @Option(names = "--reps", defaultValue = "5", description = "Measured runs per figure (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--warmups", defaultValue = "3", description = "Unmeasured runs first (default: ${DEFAULT-VALUE}).")
    int warmups;

    @Option(names = "--emit", paramLabel = "DIR", description = "Write the benchmark programs as .siwa files into DIR and stop.")
    Path emit;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (emit != null) {
            for (int n : sizes) {
                for (int s : sentrons) {
                    if ((n / 256) % s == 0 && n % 256 == 0) {
                        Files2.writeText(emit.resolve("gemm-" + n + "-s" + s + ".siwa"), GemmProgram.siwa(n, 256, s, true));
                        Files2.writeText(emit.resolve("gemm-" + n + "-s" + s + "-plain.siwa"), GemmProgram.siwa(n, 256, s, false));
                    }
                }
            }
            for (SyntheticProgram.Mix m : SyntheticProgram.Mix.values()) {
                for (SyntheticProgram.Locality l : SyntheticProgram.Locality.values()) {
                    Files2.writeText(emit.resolve("synthetic-" + m.name().toLowerCase(java.util.Locale.ROOT) + "-"
                            + l.name().toLowerCase(java.util.Locale.ROOT) + ".siwa"), SyntheticProgram.siwa(m, l, 10));
                }
            }
            out.println("wrote the benchmark programs to " + emit);
            return 0;
        }
        out.println("# vtpu bench: " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, " + cpuName());
        out.println();
        BenchSuite suite = new BenchSuite(out, reps, warmups);
        BenchSuite.run(suite, String.join(",", suites), sizes, sentrons);
        return 0;
    }

    private static String cpuName() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (java.io.IOException e) {
            // not Linux: the name is only a label
        }
        return "unknown CPU";
    }
}

package ai.vtpu.cli;

import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.phextcc.Compiler;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vtpu compile GRAPH.ir -O2 -o OUT.siw [--report] [--emit-asm FILE.siwa]}. */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile a tensor graph (the IR text form, docs/IR.md) to a SIW program with phextcc.")
final class CompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "GRAPH", description = "An IR file.")
    Path graph;

    @Option(names = "-O", paramLabel = "LEVEL", defaultValue = "2", description = "Optimisation tier 0..3 (default: ${DEFAULT-VALUE}).")
    int opt;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.siw", description = "Output program (default: the graph with .siw).")
    Path output;

    @Option(names = "--emit-asm", paramLabel = "FILE.siwa", description = "Also write the generated assembly.")
    Path asm;

    @Option(names = "--report", description = "Print per-pass statistics.")
    boolean report;

    @Option(names = "--sentrons", defaultValue = "1",
            description = "Sentrons to compile for: inputs declared split=rows are divided among them (default: ${DEFAULT-VALUE}).")
    int sentrons;

    @Option(names = "--split", paramLabel = "INPUT", split = ",",
            description = "Inputs to divide along their first axis (the batch) among the sentrons, as split=rows does in "
                    + "the IR text; the way to say it for an ONNX model (repeatable or comma-separated).")
    java.util.List<String> split = new java.util.ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Path out = output != null ? output : Files2.withExtension(graph, ".siw");
        Graph g;
        java.util.Map<String, float[]> weights = java.util.Map.of();
        java.util.Map<String, String> onnxNames = java.util.Map.of();
        if (graph.toString().endsWith(".onnx")) {
            var imported = ai.vtpu.phextcc.onnx.OnnxImporter.importModel(ai.vtpu.phextcc.onnx.OnnxModel.read(graph), graph.toString());
            g = imported.graph();
            weights = imported.constantsF32();
            onnxNames = imported.inputNames();
        } else {
            g = IrParser.parse(Files2.readText(graph), graph.toString());
        }
        if (!split.isEmpty()) {
            g = ai.vtpu.phextcc.Splits.apply(g, split, weights.keySet(), onnxNames);
        } else if (sentrons > 1 && g.splitInputs().isEmpty()) {
            spec.commandLine().getOut().println("note: no input is split, so every sentron computes the whole graph; "
                    + "--split INPUT divides an input's batch among them");
        }
        Compiler.Result r = Compiler.compile(g, opt, sentrons);
        ProgramFile.write(r.program(), out);
        if (!weights.isEmpty()) {
            // The program format holds no data: the model's initializers go beside it, and `vtpu run` reads them.
            Path dirOut = RunCommand.weightsDir(out);
            try {
                java.nio.file.Files.createDirectories(dirOut);
            } catch (java.io.IOException e) {
                throw new ai.vtpu.phextcc.CompileException("cannot create " + dirOut + ": " + e.getMessage());
            }
            for (var w : weights.entrySet()) {
                ai.vtpu.runtime.io.Npy.write(dirOut.resolve(w.getKey() + ".npy"),
                        new ai.vtpu.runtime.exec.HostTensor(g.inputs().get(w.getKey()).shape(), w.getValue()));
            }
            spec.commandLine().getOut().println("wrote " + weights.size() + " initializers to " + dirOut);
        }
        if (asm != null) {
            Files2.writeText(asm, r.assembly());
        }
        PrintWriter w = spec.commandLine().getOut();
        if (report) {
            r.report().forEach(w::println);
        }
        w.println("wrote " + out + " (" + r.program().code().size() + " SIWs, -O" + opt + ", for " + sentrons + " sentron(s))");
        return 0;
    }
}

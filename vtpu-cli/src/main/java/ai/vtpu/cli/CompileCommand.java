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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Graph g = IrParser.parse(Files2.readText(graph), graph.toString());
        Compiler.Result r = Compiler.compile(g, opt, sentrons);
        Path out = output != null ? output : Files2.withExtension(graph, ".siw");
        ProgramFile.write(r.program(), out);
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

package ai.vtpu.phextcc;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.verify.Diagnostic;
import ai.vtpu.isa.verify.Validator;
import ai.vtpu.phextcc.codegen.CodeGen;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.passes.Pass;
import ai.vtpu.phextcc.passes.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * phextcc: graph -> SIW program. The tier selects a named pass pipeline (docs/COMPILER.md); the result is
 * validated before it is returned, so a compiled program never needs `vtpu check`.
 */
public final class Compiler {

    /** What the compiler made and what each pass did. */
    public record Result(Program program, String assembly, List<String> report) {
    }

    private Compiler() {
    }

    public static Result compile(Graph graph, int optLevel) {
        return compile(graph, optLevel, 1);
    }

    /** Compiles for {@code sentrons} sentrons: inputs declared split=rows are divided among them. */
    public static Result compile(Graph graph, int optLevel, int sentrons) {
        return compile(graph, optLevel, sentrons, 1);
    }

    /** As above, the computation repeated {@code repeat} times in a loop (for benchmarks of steady state). */
    public static Result compile(Graph graph, int optLevel, int sentrons, int repeat) {
        return compile(graph, optLevel, sentrons, repeat, ai.vtpu.phextcc.codegen.CodeGen.Options.LOOP_STEPS);
    }

    /** As above; matmuls with more than {@code loopSteps} inner steps per output tile become counted loops. */
    public static Result compile(Graph graph, int optLevel, int sentrons, int repeat, int loopSteps) {
        if (sentrons < 1) {
            throw new CompileException("--sentrons " + sentrons + ": expected 1 or more");
        }
        if (optLevel < 0 || optLevel > 3) {
            throw new CompileException("optimisation level " + optLevel + " does not exist; expected 0..3");
        }
        List<String> report = new ArrayList<>();
        Graph g = graph;
        for (Pass p : Pipeline.graphPasses(optLevel)) {
            int before = g.nodes().size();
            g = p.run(g);
            report.add(String.format(Locale.ROOT, "%-22s nodes %d -> %d", p.name(), before, g.nodes().size()));
        }
        CodeGen.Output out = CodeGen.generate(g, Pipeline.codegenOptions(optLevel).withSentrons(sentrons).withRepeat(repeat)
                .withLoopSteps(loopSteps));
        report.addAll(out.report());
        Program program;
        try {
            program = Assembler.assemble(out.assembly(), graph.name() + ".siwa").program();
        } catch (ai.vtpu.isa.IsaException e) {
            throw new CompileException("internal error: generated assembly does not assemble: " + e.getMessage());
        }
        List<Diagnostic> problems = Validator.validate(program);
        if (!problems.isEmpty()) {
            throw new CompileException("internal error: generated program is invalid: " + problems.get(0));
        }
        return new Result(program, out.assembly(), report);
    }
}

package ai.vtpu.cli;

import ai.vtpu.isa.asm.Disassembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.asm.Loader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vtpu disasm FILE.siw}: prints assembly that re-assembles to the same bytes. */
@Command(name = "disasm", mixinStandardHelpOptions = true,
        description = "Print a .siw program as .siwa assembly (re-assembles to identical bytes).")
final class DisasmCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .siw program (or .siwa text, printed in canonical form).")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.siwa", description = "Write to a file instead of standard output.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Program p = Loader.load(file).program();
        String text = Disassembler.disassemble(p);
        if (output == null) {
            spec.commandLine().getOut().print(text);
        } else {
            Files2.writeText(output, text);
        }
        return 0;
    }
}

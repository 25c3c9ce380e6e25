package ai.vtpu.cli;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.asm.Assembly;
import ai.vtpu.isa.program.ProgramFile;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vtpu asm FILE.siwa -o FILE.siw}: assembles and validates. */
@Command(name = "asm", mixinStandardHelpOptions = true,
        description = "Assemble a .siwa file into a .siw program (validated unless --no-verify).")
final class AsmCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE.siwa", description = "Assembly source.")
    Path source;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.siw", description = "Output file (default: the source with .siw).")
    Path output;

    @Option(names = "--no-verify", description = "Write the program even if the validator finds errors.")
    boolean noVerify;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String text = Files2.readText(source);
        Assembly a = Assembler.assemble(text, source.toString());
        if (!noVerify && !Reports.validate(a, spec.commandLine().getErr())) {
            return VtpuCommand.EXIT_INPUT;
        }
        Path out = output != null ? output : Files2.withExtension(source, ".siw");
        ProgramFile.write(a.program(), out);
        spec.commandLine().getOut().println("wrote " + out + " (" + a.program().code().size() + " SIWs, "
                + a.program().tensors().size() + " tensors)");
        return 0;
    }
}

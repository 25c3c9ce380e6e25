package ai.vtpu.cli;

import ai.vtpu.isa.asm.Assembly;
import ai.vtpu.isa.asm.Loader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code vtpu check FILE}: exit 0 when the program (.siw or .siwa) is valid, 1 with every finding otherwise. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validate a .siw or .siwa program: exit 0 when valid, 1 with every error otherwise.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .siw or .siwa program.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Assembly a = Loader.load(file);
        if (!Reports.validate(a, spec.commandLine().getErr())) {
            return VtpuCommand.EXIT_INPUT;
        }
        spec.commandLine().getOut().println(file + ": valid (" + a.program().code().size() + " SIWs, "
                + a.program().tensors().size() + " tensors, " + a.program().groups().size() + " groups)");
        return 0;
    }
}

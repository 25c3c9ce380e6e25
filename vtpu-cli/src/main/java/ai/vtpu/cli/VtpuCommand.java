package ai.vtpu.cli;

import ai.vtpu.isa.IsaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code vtpu} command. Exit codes: 0 success, 1 bad input (the message says where and what was
 * expected), 2 bad usage, 3 an internal error.
 */
@Command(name = "vtpu",
        mixinStandardHelpOptions = true,
        versionProvider = VtpuCommand.Version.class,
        description = "vTPU: a software-defined TPU on commodity CPU hosts.",
        subcommands = {AsmCommand.class, DisasmCommand.class, CheckCommand.class, CompileCommand.class, RunCommand.class, BenchCommand.class,
            OnnxConformanceCommand.class, SubmitCommand.class, StatusCommand.class, FetchCommand.class, NodesCommand.class,
            CommandLine.HelpCommand.class})
public final class VtpuCommand implements Runnable {
    public static final int EXIT_INPUT = 1;
    public static final int EXIT_INTERNAL = 3;

    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit code. Used by main and by tests. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        VtpuCommand root = new VtpuCommand();
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (ex instanceof ai.vtpu.runtime.VtpuRuntimeException || ex instanceof ai.vtpu.phextcc.CompileException) {
                String msg = ex.getMessage();
                for (String line : msg.split("\n")) {
                    err.println("error: " + line);
                }
                if (verbose) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return EXIT_INPUT;
            }
            if (ex instanceof IsaException e) {
                for (String line : e.getMessage().split("\n")) {
                    err.println(line.startsWith("(") ? line : "error: " + line);
                }
                if (verbose) {
                    e.printStackTrace(err);
                }
                err.flush();
                return EXIT_INPUT;
            }
            err.println("internal error: " + ex + (verbose ? "" : " (run with --verbose for the stack trace)"));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_INTERNAL;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = VtpuCommand.class.getResourceAsStream("/vtpu-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"vtpu " + p.getProperty("version", "unknown") + " (SIW format " + ai.vtpu.isa.program.ProgramFile.MAJOR + "."
                    + ai.vtpu.isa.program.ProgramFile.MINOR + ", Java "
                    + Runtime.version() + ")"};
        }
    }
}

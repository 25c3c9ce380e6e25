package ai.vtpu.cli;

import ai.vtpu.isa.asm.Assembly;
import ai.vtpu.isa.verify.Diagnostic;
import ai.vtpu.isa.verify.Validator;
import java.io.PrintWriter;
import java.util.List;

/** Prints validator findings the same way for every command. */
final class Reports {
    private Reports() {
    }

    /** @return true when the program is valid; otherwise prints every finding to {@code err} */
    static boolean validate(Assembly a, PrintWriter err) {
        List<Diagnostic> findings = Validator.validate(a.program());
        for (Diagnostic d : findings) {
            err.println("error: " + d.render(a.sourceMap()));
        }
        if (!findings.isEmpty()) {
            err.println(findings.size() + (findings.size() == 1 ? " error" : " errors"));
        }
        err.flush();
        return findings.isEmpty();
    }
}

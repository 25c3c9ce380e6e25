package ai.vtpu.phextcc;

import java.nio.file.*;
import java.util.*;
import ai.vtpu.phextcc.ir.*;
import org.junit.jupiter.api.Test;

class ScratchIrTest {
    @Test
    void run() throws Exception {
        for (Path p : Files.list(Path.of("/tmp/scratch")).sorted().toList()) {
            if (!p.toString().endsWith(".ir")) continue;
            String ir = Files.readString(p);
            Graph g = IrParser.parse(ir, p.toString());
            var in = RandomGraphTest.inputs(g, 5);
            var want = ai.vtpu.phextcc.eval.Evaluator.run(g, in);
            StringBuilder sb = new StringBuilder("== " + p + "\n");
            for (int s = 1; s <= 3; s++) for (int opt = 0; opt <= 3; opt++) {
                List<String> probs = new ArrayList<>();
                try { try { Compiler.compile(g, opt, s); } catch (CompileException e) { probs.add("-O"+opt+" s"+s+" compile: "+e.getMessage()); continue; } RandomGraphTest.check(g, in, want, opt, s, probs); } catch (Throwable t) { probs.add("threw " + t); }
                for (String x : probs) sb.append(x).append('\n');
            }
            System.out.println(sb);
        }
    }
}

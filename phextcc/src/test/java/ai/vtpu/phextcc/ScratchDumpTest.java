package ai.vtpu.phextcc;

import java.nio.file.*;
import java.util.*;
import ai.vtpu.phextcc.ir.*;
import ai.vtpu.runtime.exec.*;
import org.junit.jupiter.api.Test;

class ScratchDumpTest {
    @Test
    void run() throws Exception {
        Path p = Path.of(System.getProperty("ir", "/tmp/scratch/d_gemm_ta.ir"));
        int s = Integer.getInteger("sentrons", 2);
        int opt = Integer.getInteger("opt", 0);
        Graph g = IrParser.parse(Files.readString(p), p.toString());
        var in = RandomGraphTest.inputs(g, 5);
        var want = ai.vtpu.phextcc.eval.Evaluator.run(g, in);
        var res = Compiler.compile(g, opt, s);
        System.out.println(res.assembly());
        Map<String, HostTensor> host = new HashMap<>();
        in.forEach((k, v) -> host.put(k, new HostTensor(g.inputs().get(k).shape(), v)));
        var out = Machine.run(res.program(), host, new Machine.Options(s, false, 10_000, false)).outputs();
        for (var e : want.entrySet()) {
            System.out.println(e.getKey() + " want " + Arrays.toString(Arrays.copyOf(e.getValue(), Math.min(24, e.getValue().length))));
            System.out.println(e.getKey() + " got  " + Arrays.toString(Arrays.copyOf(out.get(e.getKey()).data(), Math.min(24, e.getValue().length))));
        }
    }
}

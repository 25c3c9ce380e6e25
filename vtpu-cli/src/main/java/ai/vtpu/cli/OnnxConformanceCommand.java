package ai.vtpu.cli;

import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.Compiler;
import ai.vtpu.phextcc.onnx.OnnxImporter;
import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vtpu onnx-conformance [DIR]}: runs the ONNX backend node tests (Debian's libonnx-testdata) through
 * import, compile and run, and compares with their expected outputs at the suite's tolerances.
 */
@Command(name = "onnx-conformance", mixinStandardHelpOptions = true,
        description = "Run the ONNX backend node tests: import, compile -O2, run, compare (rtol 1e-3, atol 1e-7).")
final class OnnxConformanceCommand implements Callable<Integer> {
    static final Path DEFAULT = Path.of("/usr/share/libonnx-testdata/data/node");

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "The node test directory (default: " + "/usr/share/libonnx-testdata/data/node).")
    Path dir = DEFAULT;

    @Option(names = "--filter", description = "Only tests whose name contains this.")
    String filter;

    @Option(names = "--quiet", description = "Print only the summary.")
    boolean quiet;

    @Spec
    CommandSpec spec;

    /** The outcome of one test. */
    record Outcome(String test, String status, String detail, List<String> ops) {
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(dir)) {
            throw new CompileException(dir + " does not exist: install the suite with 'apt-get install libonnx-testdata'");
        }
        List<Path> tests;
        try (Stream<Path> s = Files.list(dir)) {
            tests = s.filter(p -> Files.exists(p.resolve("model.onnx")))
                    .filter(p -> filter == null || p.getFileName().toString().contains(filter)).sorted().toList();
        }
        Map<String, int[]> byStatus = new TreeMap<>();
        Map<String, int[]> byOp = new TreeMap<>();
        for (Path t : tests) {
            Outcome o = run(t);
            byStatus.computeIfAbsent(o.status(), k -> new int[1])[0]++;
            for (String op : o.ops()) {
                int[] c = byOp.computeIfAbsent(op, k -> new int[3]);
                c[o.status().equals("pass") ? 0 : o.status().equals("fail") ? 1 : 2]++;
            }
            if (!quiet) {
                out.println(o.status() + " " + o.test() + (o.detail().isEmpty() ? "" : ": " + o.detail()));
            }
        }
        out.println();
        out.println("op | pass | fail | unsupported");
        byOp.forEach((op, c) -> out.println(op + " | " + c[0] + " | " + c[1] + " | " + c[2]));
        out.println();
        int pass = byStatus.getOrDefault("pass", new int[1])[0];
        int fail = byStatus.getOrDefault("fail", new int[1])[0];
        int unsup = byStatus.getOrDefault("unsupported", new int[1])[0];
        out.println(pass + " passed, " + fail + " failed, " + unsup + " unsupported (of " + tests.size() + ")");
        return fail == 0 ? 0 : 1;
    }

    static Outcome run(Path test) {
        String name = test.getFileName().toString();
        List<String> ops = new ArrayList<>();
        try {
            OnnxModel.Model model = OnnxModel.read(test.resolve("model.onnx"));
            model.graph().nodes().forEach(n -> {
                if (!ops.contains(n.opType())) {
                    ops.add(n.opType());
                }
            });
            List<Path> sets;
            try (Stream<Path> s = Files.list(test)) {
                sets = s.filter(p -> p.getFileName().toString().startsWith("test_data_set_")).sorted().toList();
            }
            // Non-float inputs (shapes, axes, bounds) are compile-time constants for a static compiler: the
            // first data set's values are folded in, and every data set must agree with them.
            Map<String, OnnxModel.Tensor> known = new HashMap<>();
            int k0 = 0;
            for (OnnxModel.ValueInfo v : model.graph().inputs()) {
                if (model.graph().initializers().containsKey(v.name())) {
                    continue;
                }
                if (v.elemType() != 1 && !sets.isEmpty()) {
                    known.put(v.name(), OnnxModel.readTensor(sets.get(0).resolve("input_" + k0 + ".pb")));
                }
                k0++;
            }
            OnnxImporter.Result imp = OnnxImporter.importModel(model, name, known);
            var compiled = Compiler.compile(imp.graph(), 2);
            for (Path set : sets) {
                Map<String, HostTensor> inputs = new HashMap<>();
                imp.constantsF32().forEach((k, v) -> inputs.put(k, new HostTensor(imp.graph().inputs().get(k).shape(), v)));
                int i = 0;
                for (OnnxModel.ValueInfo v : model.graph().inputs()) {
                    if (model.graph().initializers().containsKey(v.name())) {
                        continue;
                    }
                    OnnxModel.Tensor t = OnnxModel.readTensor(set.resolve("input_" + (i++) + ".pb"));
                    if (known.containsKey(v.name())) {
                        if (!java.util.Arrays.equals(t.values(), known.get(v.name()).values())) {
                            return new Outcome(name, "unsupported", "constant input " + v.name() + " differs between data sets", ops);
                        }
                        continue;
                    }
                    String ir = imp.inputNames().get(v.name());
                    inputs.put(ir, host(imp.graph().inputs().get(ir).shape(), t.values()));
                }
                Map<String, HostTensor> outs = Machine.run(compiled.program(), inputs, new Machine.Options(1, false, 10_000, false))
                        .outputs();
                int o = 0;
                for (OnnxModel.ValueInfo v : model.graph().outputs()) {
                    OnnxModel.Tensor want = OnnxModel.readTensor(set.resolve("output_" + (o++) + ".pb"));
                    float[] got = outs.get(imp.outputNames().get(v.name())).data();
                    if (got.length != want.values().length) {
                        return new Outcome(name, "fail", "output " + v.name() + " has " + got.length + " values, expected "
                                + want.values().length, ops);
                    }
                    for (int k = 0; k < got.length; k++) {
                        double e = want.values()[k];
                        if (!(Math.abs(got[k] - e) <= 1e-7 + 1e-3 * Math.abs(e)) && !(Double.isNaN(e) && Float.isNaN(got[k]))) {
                            return new Outcome(name, "fail", set.getFileName() + " output " + v.name() + "[" + k + "] = " + got[k]
                                    + ", expected " + e, ops);
                        }
                    }
                }
            }
            return new Outcome(name, "pass", "", ops);
        } catch (CompileException | VtpuRuntimeException e) {
            String m = e.getMessage();
            return new Outcome(name, "unsupported", m.length() > 160 ? m.substring(0, 160) + "..." : m, ops);
        } catch (IOException | RuntimeException e) {
            return new Outcome(name, "fail", e.toString(), ops);
        }
    }

    private static HostTensor host(List<Integer> shape, double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return new HostTensor(shape, f);
    }
}

package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.ProgramFormat;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.verify.Validator;
import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.Compiler;
import ai.vtpu.phextcc.Splits;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.IrParser;
import ai.vtpu.phextcc.onnx.OnnxImporter;
import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.runtime.exec.HostTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a submitted program far enough to know its inputs (at submission, so a mismatch is a 4xx), and compiles it
 * (later, on the scheduler's compile thread): ONNX and IR through phextcc, assembly through the assembler, .siw as is.
 */
public final class ProgramFrontend {
    /** The program's inputs as the user names them, with their shapes (weights of an ONNX model excluded). */
    public record Signature(Map<String, List<Integer>> inputs) {
    }

    /**
     * @param inputOf the user's input name -> the program's tensor
     * @param weights the program's tensors that are model weights, with their values
     * @param outputNames the program's output tensors -> the names the user fetches them by
     */
    public record Compiled(byte[] siw, Map<String, String> inputOf, Map<String, HostTensor> weights, Map<String, String> outputNames) {
    }

    private ProgramFrontend() {
    }

    public static Signature signature(ProgramFormat format, byte[] source) {
        return switch (format) {
            case SIW, SIWA -> {
                Map<String, List<Integer>> in = new LinkedHashMap<>();
                for (TensorDecl t : program(format, source).tensors()) {
                    if (t.role().isInput()) {
                        in.put(t.name(), t.shape());
                    }
                }
                yield new Signature(in);
            }
            case IR -> {
                Map<String, List<Integer>> in = new LinkedHashMap<>();
                graph(source).inputs().forEach((k, v) -> in.put(k, v.shape()));
                yield new Signature(in);
            }
            case ONNX -> {
                OnnxImporter.Result r = onnx(source);
                Map<String, List<Integer>> in = new LinkedHashMap<>();
                r.inputNames().forEach((onnxName, ir) -> {
                    if (!r.constants().containsKey(ir)) {
                        in.put(onnxName, r.graph().inputs().get(ir).shape());
                    }
                });
                yield new Signature(in);
            }
        };
    }

    /** Checks that the inputs are exactly the program's, with its shapes. */
    public static void checkInputs(Signature sig, Map<String, HostTensor> inputs) {
        for (var e : inputs.entrySet()) {
            List<Integer> want = sig.inputs().get(e.getKey());
            if (want == null) {
                throw ApiException.unprocessable("/inputs/" + e.getKey(), "the program has no input '" + e.getKey()
                        + "'; its inputs are " + sig.inputs().keySet());
            }
            if (!want.equals(e.getValue().shape())) {
                throw ApiException.unprocessable("/inputs/" + e.getKey(), "input '" + e.getKey() + "' has shape " + e.getValue().shape()
                        + "; the program expects " + want);
            }
        }
        for (var e : sig.inputs().entrySet()) {
            if (!inputs.containsKey(e.getKey())) {
                throw ApiException.unprocessable("/inputs", "missing input '" + e.getKey() + "' of shape " + e.getValue()
                        + "; the program's inputs are " + sig.inputs().keySet());
            }
        }
    }

    public static Compiled compile(ProgramFormat format, byte[] source, int optLevel, int sentrons, List<String> split) {
        return switch (format) {
            case SIW, SIWA -> {
                Program p = program(format, source);
                Map<String, String> in = new LinkedHashMap<>();
                Map<String, String> out = new LinkedHashMap<>();
                for (TensorDecl t : p.tensors()) {
                    if (t.role().isInput()) {
                        in.put(t.name(), t.name());
                    }
                    if (t.role().isOutput()) {
                        out.put(t.name(), t.name());
                    }
                }
                yield new Compiled(ProgramFile.write(p), in, Map.of(), out);
            }
            case IR -> {
                Graph g = Splits.apply(graph(source), split, Set.of(), Map.of());
                Compiler.Result r = Compiler.compile(g, optLevel, sentrons);
                Map<String, String> in = new LinkedHashMap<>();
                g.inputs().keySet().forEach(k -> in.put(k, k));
                Map<String, String> out = new LinkedHashMap<>();
                g.outputs().forEach(k -> out.put(k, k));
                yield new Compiled(ProgramFile.write(r.program()), in, Map.of(), out);
            }
            case ONNX -> {
                OnnxImporter.Result imported = onnx(source);
                Graph g = Splits.apply(imported.graph(), split, imported.constants().keySet(), imported.inputNames());
                Compiler.Result r = Compiler.compile(g, optLevel, sentrons);
                Map<String, String> in = new LinkedHashMap<>();
                imported.inputNames().forEach((onnxName, ir) -> {
                    if (!imported.constants().containsKey(ir)) {
                        in.put(onnxName, ir);
                    }
                });
                Map<String, HostTensor> weights = new LinkedHashMap<>();
                imported.constantsF32().forEach((k, v) -> weights.put(k, new HostTensor(g.inputs().get(k).shape(), v)));
                Map<String, String> out = new LinkedHashMap<>();
                imported.outputNames().forEach((onnxName, ir) -> out.put(ir, onnxName));
                yield new Compiled(ProgramFile.write(r.program()), in, weights, out);
            }
        };
    }

    private static Program program(ProgramFormat format, byte[] source) {
        try {
            Program p = format == ProgramFormat.SIW ? ProgramFile.read(source)
                    : Assembler.assemble(new String(source, java.nio.charset.StandardCharsets.UTF_8), "program.siwa").program();
            var problems = Validator.validate(p);
            if (!problems.isEmpty()) {
                throw ApiException.unprocessable("/program/data", "the program is invalid: " + problems.get(0)
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
            return p;
        } catch (IsaException e) {
            throw ApiException.badRequest("/program/data", e.getMessage());
        }
    }

    private static Graph graph(byte[] source) {
        try {
            return IrParser.parse(new String(source, java.nio.charset.StandardCharsets.UTF_8), "program.ir");
        } catch (CompileException e) {
            throw ApiException.badRequest("/program/data", e.getMessage());
        }
    }

    private static OnnxImporter.Result onnx(byte[] source) {
        try {
            return OnnxImporter.importModel(OnnxModel.read(source, "model.onnx"), "model.onnx");
        } catch (CompileException e) {
            throw ApiException.badRequest("/program/data", e.getMessage());
        }
    }
}

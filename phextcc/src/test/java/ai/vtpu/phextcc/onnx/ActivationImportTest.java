package ai.vtpu.phextcc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.vtpu.phextcc.eval.Evaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The activations the importer composes from primitives, against their definitions, on inputs that
 * include large magnitudes (where a naive form overflows) and both signs.
 */
class ActivationImportTest {
    @TempDir
    Path dir;

    private static final float[] X = {-100f, -20f, -3f, -1f, -0.25f, 0f, 0.25f, 1f, 3f, 20f, 100f, 0.5f};

    private static DoubleUnaryOperator reference(String op) {
        return switch (op) {
            case "Softplus" -> x -> x > 30 ? x : Math.log1p(Math.exp(x));
            case "Softsign" -> x -> x / (1 + Math.abs(x));
            case "HardSigmoid" -> x -> Math.max(0, Math.min(1, 0.2 * x + 0.5));
            case "HardSwish" -> x -> x * Math.max(0, Math.min(1, x / 6 + 0.5));
            case "Elu" -> x -> x > 0 ? x : Math.exp(x) - 1;
            case "Selu" -> x -> 1.05070102214813232421875 * (x > 0 ? x : 1.67326319217681884765625 * (Math.exp(x) - 1));
            case "Celu" -> x -> Math.max(0, x) + Math.min(0, Math.exp(x) - 1);
            case "LeakyRelu" -> x -> x > 0 ? x : 0.01 * x;
            default -> throw new IllegalArgumentException(op);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"Softplus", "Softsign", "HardSigmoid", "HardSwish", "Elu", "Selu", "Celu", "LeakyRelu"})
    void matchesTheDefinition(String op) throws Exception {
        Path f = dir.resolve(op + ".onnx");
        Files.write(f, new OnnxWriter(op).opset(20).input("x", 3, 4).node(op, List.of("x"), List.of("y")).output("y", 3, 4)
                .toBytes());
        OnnxImporter.Result imp = OnnxImporter.importModel(OnnxModel.read(f), f.toString());
        Map<String, float[]> in = new HashMap<>(imp.constantsF32());
        in.put(imp.inputNames().get("x"), X);
        float[] y = Evaluator.run(imp.graph(), in).get(imp.outputNames().get("y"));
        DoubleUnaryOperator ref = reference(op);
        for (int i = 0; i < X.length; i++) {
            double want = ref.applyAsDouble(X[i]);
            assertEquals(want, y[i], 1e-5 * Math.max(1, Math.abs(want)), op + "(" + X[i] + ")");
        }
    }
}

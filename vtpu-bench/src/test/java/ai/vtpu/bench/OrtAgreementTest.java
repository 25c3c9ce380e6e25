package ai.vtpu.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** vTPU and ONNX Runtime compute the same outputs for the benchmark models (the ratios mean nothing otherwise). */
class OrtAgreementTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "encoder", "decoder"})
    void outputsAgreeWithOnnxRuntime(String model) throws Exception {
        byte[] bytes = switch (model) {
            case "mlp" -> OrtComparison.mlp(3);
            case "encoder" -> OrtComparison.encoder(1);
            default -> OrtComparison.decoder(1);
        };
        Path file = dir.resolve(model + ".onnx");
        Files.write(file, bytes);
        OrtComparison.Row row = OrtComparison.compare(OrtEnvironment.getEnvironment(), file, model, 1, 1, 1, true);
        assertTrue(row.maxDiff() < 1e-4, model + ": max |vTPU - ONNX Runtime| = " + row.maxDiff());
    }
}

package ai.vtpu.phextcc.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.phextcc.eval.Evaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RMS norm written in ONNX primitives imports as one rms_norm, computing the same values. */
class RmsNormPatternTest {
    @TempDir
    Path dir;

    private static final int D = 8;

    private OnnxImporter.Result importRms(boolean sqrtIsAnOutput) throws Exception {
        Random r = new Random(4);
        float[] gamma = new float[D];
        for (int i = 0; i < D; i++) {
            gamma[i] = (float) r.nextGaussian();
        }
        OnnxWriter w = new OnnxWriter("rms").input("x", 2, 3, D)
                .initializer("two", new float[] {2f}, 1).initializer("eps", new float[] {1e-5f}, 1)
                .initializer("one", new float[] {1f}, 1).initializer("gamma", gamma, D)
                .node("Pow", List.of("x", "two"), List.of("sq"))
                .node("ReduceMean", List.of("sq"), List.of("ms"), "axes", new long[] {-1}, "keepdims", 1L)
                .node("Add", List.of("ms", "eps"), List.of("mse")).node("Sqrt", List.of("mse"), List.of("r"))
                .node("Div", List.of("one", "r"), List.of("inv")).node("Mul", List.of("x", "inv"), List.of("xn0"))
                .node("Mul", List.of("gamma", "xn0"), List.of("y"))
                .output("y", 2, 3, D);
        if (sqrtIsAnOutput) {
            w.output("r", 2, 3, 1);
        }
        Path f = dir.resolve("rms.onnx");
        Files.write(f, w.toBytes());
        return OnnxImporter.importModel(OnnxModel.read(f), f.toString());
    }

    private static float[] run(OnnxImporter.Result imp, float[] x) {
        Map<String, float[]> in = new HashMap<>(imp.constantsF32());
        in.put(imp.inputNames().get("x"), x);
        return Evaluator.run(imp.graph(), in).get(imp.outputNames().get("y"));
    }

    @Test
    void theChainBecomesOneRmsNormWithTheSameValues() throws Exception {
        OnnxImporter.Result fused = importRms(false);
        assertTrue(fused.irText().contains("y = rms_norm(x, gamma, axis=-1, epsilon="), fused.irText());
        assertFalse(fused.irText().contains("sqrt("), fused.irText());
        OnnxImporter.Result plain = importRms(true);
        assertFalse(plain.irText().contains("rms_norm("), "the Sqrt is an output, so nothing is folded:\n" + plain.irText());
        Random r = new Random(5);
        float[] x = new float[2 * 3 * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] a = run(fused, x);
        float[] b = run(plain, x);
        for (int i = 0; i < a.length; i++) {
            assertEquals(b[i], a[i], 1e-5 * Math.max(1, Math.abs(b[i])), "y[" + i + "]");
        }
    }
}

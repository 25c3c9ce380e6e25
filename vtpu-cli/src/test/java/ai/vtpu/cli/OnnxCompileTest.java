package ai.vtpu.cli;

import static ai.vtpu.cli.VtpuCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.phextcc.onnx.OnnxWriter;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An ONNX model written from Java, compiled with `vtpu compile model.onnx` and run with `vtpu run`. */
class OnnxCompileTest {
    @TempDir
    Path dir;

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.3);
        }
        return v;
    }

    @Test
    void anMlpWithInitializersCompilesAndRuns() throws Exception {
        Random r = new Random(9);
        int b = 8;
        int in = 16;
        int hid = 32;
        int outDim = 4;
        float[] w1 = random(r, in * hid);
        float[] b1 = random(r, hid);
        float[] w2 = random(r, hid * outDim);
        float[] x = random(r, b * in);
        byte[] model = new OnnxWriter("mlp")
                .input("x", b, in)
                .initializer("W1", w1, in, hid).initializer("B1", b1, hid).initializer("W2", w2, hid, outDim)
                .node("Gemm", List.of("x", "W1", "B1"), List.of("h"))
                .node("Relu", List.of("h"), List.of("a"))
                .node("MatMul", List.of("a", "W2"), List.of("y"))
                .output("y", b, outDim)
                .toBytes();
        Path onnx = dir.resolve("mlp.onnx");
        Files.write(onnx, model);
        Path siw = dir.resolve("mlp.siw");
        VtpuCommandTest.Result c = run("compile", onnx.toString(), "-O", "3", "-o", siw.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("3 initializers"), c.out());
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, new HostTensor(List.of(b, in), x));
        // ONNX names that are identifiers keep their names in the program; the weights come from mlp.weights/.
        Path yf = dir.resolve("y.npy");
        VtpuCommandTest.Result ran = run("run", siw.toString(), "--in", "x=" + xf, "--out", "y=" + yf);
        assertEquals(0, ran.code(), ran.err() + ran.out());
        float[] y = Npy.read(yf).data();
        // The same run with the input and output as ONNX TensorProto files.
        Path xpb = dir.resolve("x.pb");
        Files.write(xpb, OnnxWriter.tensorProto("x", x, b, in));
        Path ypb = dir.resolve("y.pb");
        VtpuCommandTest.Result pb = run("run", siw.toString(), "--in", "x=" + xpb, "--out", "y=" + ypb);
        assertEquals(0, pb.code(), pb.err() + pb.out());
        OnnxModel.Tensor yt = OnnxModel.readTensor(ypb);
        assertEquals(List.of((long) b, (long) outDim), yt.dims());
        assertEquals(1, yt.dataType());
        for (int i = 0; i < y.length; i++) {
            assertEquals(y[i], yt.values()[i], 0.0, "y.pb[" + i + "]");
        }
        for (int i = 0; i < b; i++) {
            for (int o = 0; o < outDim; o++) {
                double s = 0;
                for (int h = 0; h < hid; h++) {
                    double acc = b1[h];
                    for (int k = 0; k < in; k++) {
                        acc += x[i * in + k] * w1[k * hid + h];
                    }
                    s += Math.max(0, acc) * w2[h * outDim + o];
                }
                assertEquals(s, y[i * outDim + o], 1e-4);
            }
        }
    }

    @Test
    void aBatchOfSequencesSplitsAcrossSentronsWithTheSameResult() throws Exception {
        Random r = new Random(3);
        byte[] model = new OnnxWriter("seq").input("x", 5, 8, 16).initializer("W", random(r, 16 * 16), 16, 16)
                .node("MatMul", List.of("x", "W"), List.of("h")).node("Softmax", List.of("h"), List.of("y"))
                .output("y", 5, 8, 16).toBytes();
        Path onnx = dir.resolve("seq.onnx");
        Files.write(onnx, model);
        Path xf = dir.resolve("x.npy");
        Npy.write(xf, new HostTensor(List.of(5, 8, 16), random(r, 5 * 8 * 16)));
        float[][] ys = new float[2][];
        for (int n = 1; n <= 2; n++) {
            Path siw = dir.resolve("seq" + n + ".siw");
            VtpuCommandTest.Result c = run("compile", onnx.toString(), "-O", "2", "--sentrons", "" + n, "--split", "x", "-o",
                    siw.toString());
            assertEquals(0, c.code(), c.err());
            Path yf = dir.resolve("y" + n + ".npy");
            VtpuCommandTest.Result ran = run("run", siw.toString(), "--sentrons", "" + n, "--in", "x=" + xf, "--out", "y=" + yf);
            assertEquals(0, ran.code(), ran.err() + ran.out());
            ys[n - 1] = Npy.read(yf).data();
            if (n == 2) {
                String decls = run("disasm", siw.toString()).out();
                assertTrue(decls.contains(".tensor x f32[5, 8, 16]") && decls.contains("input split=pages"), decls);
            }
        }
        for (int i = 0; i < ys[0].length; i++) {
            assertEquals(ys[0][i], ys[1][i], 1e-6, "y[" + i + "]");
        }
        VtpuCommandTest.Result bad = run("compile", onnx.toString(), "--sentrons", "2", "--split", "W", "-o",
                dir.resolve("bad.siw").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("split W: the graph has no such input (its inputs: [x])"), bad.err());
    }

    @Test
    void anIntegerTensorProtoInputIsRefusedByName() throws Exception {
        Files.write(dir.resolve("id.onnx"), new OnnxWriter("id").input("x", 2, 2).node("Relu", List.of("x"), List.of("y"))
                .output("y", 2, 2).toBytes());
        Path siw = dir.resolve("id.siw");
        assertEquals(0, run("compile", dir.resolve("id.onnx").toString(), "-o", siw.toString()).code());
        // A TensorProto of int64 (data_type 7) with raw data: 4 values.
        byte[] proto = {0x08, 2, 0x08, 2, 0x10, 7, 0x4A, 32, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,
            4, 0, 0, 0, 0, 0, 0, 0};
        Path xpb = dir.resolve("x.pb");
        Files.write(xpb, proto);
        VtpuCommandTest.Result r = run("run", siw.toString(), "--in", "x=" + xpb);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("x.pb: TensorProto data_type 7; expected a floating-point tensor"), r.err());
    }

    @Test
    void unsupportedOpsAreListedTogether() throws Exception {
        byte[] model = new OnnxWriter("bad").input("x", 2, 2)
                .node("Floor", List.of("x"), List.of("a")).node("Ceil", List.of("a"), List.of("y")).output("y", 2, 2).toBytes();
        Path onnx = dir.resolve("bad.onnx");
        Files.write(onnx, model);
        VtpuCommandTest.Result c = run("compile", onnx.toString(), "-o", dir.resolve("bad.siw").toString());
        assertEquals(1, c.code());
        assertTrue(c.err().contains("unsupported ONNX ops: Ceil, Floor"), c.err());
    }
}

package ai.vtpu.cli;

import static ai.vtpu.cli.VtpuCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vtpu run} on .npy files, as a user would call it. */
class RunCommandTest {
    @TempDir
    Path dir;

    private Path npy(String name, int rows, int cols, long seed) {
        Random r = new Random(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        Path p = dir.resolve(name);
        Npy.write(p, new HostTensor(List.of(rows, cols), v));
        return p;
    }

    @Test
    void runsTheMlpExampleOnNpyFilesWithStats() {
        Path x = npy("x.npy", 128, 256, 1);
        Path w = npy("w.npy", 256, 128, 2);
        Path b = npy("b.npy", 1, 128, 3);
        Path y = dir.resolve("y.npy");
        VtpuCommandTest.Result r = run("run", "../examples/mlp.siwa", "--in", "x=" + x, "--in", "W=" + w, "--in", "b=" + b,
                "--out", "y=" + y, "--sentrons", "2", "--stats");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote y [128, 128]"), r.out());
        assertTrue(r.out().contains("FLOP per cycle (derived"), r.out());
        assertTrue(r.out().contains("hardware counters:"), r.out());
        float[] xs = Npy.read(x).data();
        float[] ws = Npy.read(w).data();
        float[] bs = Npy.read(b).data();
        float[] ys = Npy.read(y).data();
        for (int i = 0; i < 128; i += 17) {
            for (int j = 0; j < 128; j += 13) {
                double s = bs[j];
                for (int k = 0; k < 256; k++) {
                    s += (double) xs[i * 256 + k] * ws[k * 128 + j];
                }
                assertEquals(Math.max(0, s), ys[i * 128 + j], 1e-3 * Math.max(1, Math.abs(s)));
            }
        }
    }

    @Test
    void aShapeThatDoesNotMatchTheDeclarationIsAClearError() {
        Path x = npy("x.npy", 128, 255, 1);
        VtpuCommandTest.Result r = run("run", "../examples/mlp.siwa", "--in", "x=" + x, "--random-inputs", "1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("input x: shape [128, 255], the program declares f32[128, 256]"), r.err());
    }

    @Test
    void jsonTelemetryAndRandomInputs() {
        VtpuCommandTest.Result r = run("run", "../examples/gemm.siwa", "--random-inputs", "7", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().startsWith("{\"wallNanos\":"), r.out());
        assertTrue(r.out().contains("\"flops\":33554432"), "2 x 256^3 useful FLOPs: " + r.out());
    }

    @Test
    void unknownOutputNamesAreRejectedBeforeRunning() {
        VtpuCommandTest.Result r = run("run", "../examples/gemm.siwa", "--random-inputs", "7", "--out", "Z=" + dir.resolve("z.npy"));
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--out Z: the program declares no tensor of that name"), r.err());
    }
}

package ai.vtpu.bench.jmh;

import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;
import ai.vtpu.runtime.kernel.VectorKernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The D pipe's elementwise, reduction and row-wise kernels on one 64 x 256 tile, each measured after every
 * other kernel has run, as in a model that uses several: a kernel that compiled well only while it had seen
 * one opcode (the Vector API boxes vectors merged from several) shows up here, not in a one-op benchmark.
 * Run: {@code java --add-modules jdk.incubator.vector -jar vtpu-bench/target/benchmarks.jar Elementwise}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBenchmark {
    static final int ROWS = 64;
    static final int COLS = 256;

    @Param({"RELU", "GELU", "SILU", "SIGMOID", "ADD", "MUL", "ADD_ROW", "FMA", "LT", "REDSUM", "REDMAX", "SOFTMAX", "LNORM", "RMSNORM"})
    String kernel;

    final VectorKernels kernels = new VectorKernels();
    final float[] a = new float[ROWS * COLS];
    final float[] b = new float[ROWS * COLS];
    final float[] d = new float[ROWS * COLS];

    @Setup
    public void setup() throws NoSuchFieldException {
        Random r = new Random(1);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
            b[i] = (float) r.nextGaussian();
        }
        // Every kernel in turn, each long enough to be compiled, as a model's nodes run one after the other:
        // the JIT compiles a shared loop for the first opcode and recompiles it as others arrive.
        for (String k : ElementwiseBenchmark.class.getDeclaredField("kernel").getAnnotation(Param.class).value()) {
            for (int i = 0; i < 20_000; i++) {
                run(k);
            }
        }
    }

    private float[] run(String k) {
        switch (k) {
            case "ADD", "MUL" -> kernels.binary(Opcode.valueOf(k), a, ROWS, COLS, b, ROWS, COLS, d);
            case "ADD_ROW" -> kernels.binary(Opcode.ADD, a, ROWS, COLS, b, 1, COLS, d);
            case "REDSUM", "REDMAX" -> kernels.reduce(Opcode.valueOf(k), false, a, ROWS, COLS, d);
            case "LT" -> kernels.compare(Predicate.LT, a, ROWS, COLS, b, ROWS, COLS, d);
            case "FMA" -> kernels.ternary(Opcode.FMA, a, ROWS, COLS, b, ROWS, COLS, a, ROWS, COLS, d);
            case "SOFTMAX", "LNORM", "RMSNORM" -> kernels.rowwise(Opcode.valueOf(k), a, ROWS, COLS, 1e-5f, d);
            default -> kernels.unary(Opcode.valueOf(k), a, d, ROWS * COLS);
        }
        return d;
    }

    @Benchmark
    public float[] tile() {
        return run(kernel);
    }
}

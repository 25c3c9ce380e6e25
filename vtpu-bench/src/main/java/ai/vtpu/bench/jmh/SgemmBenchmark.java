package ai.vtpu.bench.jmh;

import ai.vtpu.bench.GemmProgram;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.kernel.VectorKernels;
import java.util.List;
import java.util.Map;
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
 * JMH view of the SGEMM comparison: a whole SIW program run (page setup included, unlike BenchSuite's
 * execution time) and the bare 256 x 256 x 256 tile kernel.
 * Run: {@code java --add-modules jdk.incubator.vector -jar vtpu-bench/target/benchmarks.jar Sgemm}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class SgemmBenchmark {
    @Param({"512", "1024"})
    int n;

    @Param({"1", "2"})
    int sentrons;

    Program program;
    Map<String, HostTensor> inputs;
    final VectorKernels kernels = new VectorKernels();
    final float[] a = new float[256 * 256];
    final float[] b = new float[256 * 256];
    final float[] c = new float[256 * 256];

    @Setup
    public void setup() {
        Random r = new Random(1);
        float[] x = new float[n * n];
        float[] y = new float[n * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = x[i];
            b[i] = y[i];
        }
        inputs = Map.of("A", new HostTensor(List.of(n, n), x), "B", new HostTensor(List.of(n, n), y));
        program = Assembler.assemble(GemmProgram.siwa(n, 256, sentrons, true), "gemm.siwa").program();
    }

    @Benchmark
    public Object program() {
        return Machine.run(program, inputs, new Machine.Options(sentrons, false, 60_000, true)).outputs();
    }

    @Benchmark
    public float[] tileKernel256() {
        kernels.mma(a, 256, 256, false, b, 256, 256, false, c, true);
        return c;
    }
}

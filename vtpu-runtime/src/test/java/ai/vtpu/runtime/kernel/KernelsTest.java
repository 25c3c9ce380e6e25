package ai.vtpu.runtime.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector kernels against the scalar reference, on seeded random data and random shapes that
 * include ragged edges (sizes that are not multiples of the vector width or the micro-kernel).
 *
 * <p>Tolerances: matmul |v - s| <= 1e-5 * sum_k |a||b| + 1e-6 (fp32 accumulation in another order);
 * elementwise and row-wise ops |v - s| <= 2e-6 * max(1, |s|) (transcendentals are not correctly rounded;
 * GELU's erf approximation errs by at most 1.5e-7); comparisons, selects, moves, reductions of max/min
 * and conversions exactly.
 */
class KernelsTest {
    private final Random rnd = new Random(42);
    private final Kernels vec = new VectorKernels();
    private final Kernels ref = new ScalarKernels();

    private float[] random(int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * scale);
        }
        return a;
    }

    private int dim() {
        return switch (rnd.nextInt(5)) {
            case 0 -> 1;
            case 1 -> 256;
            case 2 -> 16 * (1 + rnd.nextInt(16));
            default -> 1 + rnd.nextInt(256);
        };
    }

    @Test
    void matmulMatchesTheReferenceOnRaggedShapesAndTransposes() {
        for (int t = 0; t < 60; t++) {
            int m = dim();
            int n = dim();
            int k = t < 5 ? 256 : 1 + rnd.nextInt(200);
            boolean ta = rnd.nextBoolean();
            boolean tb = rnd.nextBoolean();
            boolean zero = rnd.nextBoolean();
            float[] a = random(m * k, 1);
            float[] b = random(k * n, 1);
            float[] c0 = random(m * n, 1);
            float[] cv = c0.clone();
            float[] cs = c0.clone();
            int ar = ta ? k : m;
            int ac = ta ? m : k;
            int br = tb ? n : k;
            int bc = tb ? k : n;
            vec.mma(a, ar, ac, ta, b, br, bc, tb, cv, zero);
            ref.mma(a, ar, ac, ta, b, br, bc, tb, cs, zero);
            // Bound per element: k products of magnitude ~|a||b|.
            for (int i = 0; i < m * n; i++) {
                double bound = 1e-5 * (k * 2.0) + 1e-6;
                if (Math.abs(cv[i] - cs[i]) > bound) {
                    fail(String.format("mma m=%d n=%d k=%d ta=%b tb=%b zero=%b: element %d is %g, reference %g",
                            m, n, k, ta, tb, zero, i, cv[i], cs[i]));
                }
            }
        }
    }

    /** Every row count modulo the six-row block (tails of 1..5 rows take three different kernels), with B packed here or given as panels. */
    @Test
    void matmulMatchesTheReferenceForEveryTailRowCount() {
        int k = 37;
        int n = 45; // a full 32-column panel and a ragged one
        for (int m = 1; m <= 13; m++) {
            float[] a = random(m * k, 1);
            float[] b = random(k * n, 1);
            float[] cs = new float[m * n];
            ref.mma(a, m, k, false, b, k, n, false, cs, true);
            float[] packed = new float[m * n];
            vec.mma(a, m, k, false, b, k, n, false, packed, true);
            float[] viaPanels = new float[m * n];
            vec.mma(a, m, k, false, b, k, n, VectorKernels.panels(b, k, n), viaPanels, true);
            close("mma m=" + m + " packing B", cs, packed, m * n, 1e-5);
            close("mma m=" + m + " with panels", cs, viaPanels, m * n, 1e-5);
        }
    }

    /** A row's result has the same bits whatever the batch it is computed in (its position, the tail kernel). */
    @Test
    void everyRowOfAProductHasTheBitsOfThatRowAlone() {
        for (int k : new int[] {70, 71}) { // an odd inner dimension ends with a step outside the kernel's loop
            for (int n : new int[] {40, 80, 96}) { // one full panel and a ragged one; two full and a ragged; three full
                float[] b = random(k * n, 1);
                float[] panels = VectorKernels.panels(b, k, n);
                float[] a = random(17 * k, 1);
                for (int m = 1; m <= 17; m++) { // two eight-row blocks and a row
                    float[] c = new float[m * n];
                    vec.mma(a, m, k, false, b, k, n, panels, c, true);
                    float[] packed = new float[m * n];
                    vec.mma(a, m, k, false, b, k, n, false, packed, true);
                    assertArrayEquals(c, packed, "n=" + n + ", m=" + m + ": with panels and packing B alike");
                    for (int i = 0; i < m; i++) {
                        float[] alone = new float[n];
                        vec.mma(java.util.Arrays.copyOfRange(a, i * k, (i + 1) * k), 1, k, false, b, k, n, panels, alone, true);
                        assertArrayEquals(alone, java.util.Arrays.copyOfRange(c, i * n, (i + 1) * n), "k=" + k + ", n=" + n + ", row " + i + " of " + m);
                    }
                }
            }
        }
    }

    private static void close(String what, float[] expected, float[] actual, int n, double rel) {
        for (int i = 0; i < n; i++) {
            float e = expected[i];
            float v = actual[i];
            if (Float.isNaN(e) && Float.isNaN(v) || e == v) {
                continue;
            }
            if (!(Math.abs(e - v) <= rel * Math.max(1, Math.abs(e)))) {
                fail(what + ": element " + i + " is " + v + ", reference " + e);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"MOV", "NEG", "ABS", "RELU", "GELU", "SILU", "SIGMOID", "TANH", "EXP", "LOG",
        "SQRT", "RSQRT", "RECIP", "ERF"})
    void unaryOpsMatchTheReference(Opcode op) {
        int n = 1 + rnd.nextInt(3000);
        float[] a = random(n, 4);
        a[0] = 0f;
        a[n - 1] = -0f;
        if (op == Opcode.LOG || op == Opcode.SQRT || op == Opcode.RSQRT) {
            for (int i = 0; i < n; i++) {
                a[i] = Math.abs(a[i]) + 1e-3f;
            }
        }
        float[] v = new float[n];
        float[] s = new float[n];
        vec.unary(op, a, v, n);
        ref.unary(op, a, s, n);
        close(op.name(), s, v, n, op == Opcode.MOV || op == Opcode.NEG || op == Opcode.ABS || op == Opcode.RELU ? 0 : 2e-6);
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"ADD", "SUB", "MUL", "DIV", "MAX", "MIN", "POW"})
    void binaryOpsBroadcastLikeTheReference(Opcode op) {
        for (int t = 0; t < 20; t++) {
            int rows = dim();
            int cols = dim();
            int br = rnd.nextBoolean() ? rows : 1;
            int bc = rnd.nextBoolean() ? cols : 1;
            float[] a = random(rows * cols, 3);
            float[] b = random(br * bc, 3);
            float[] v = new float[rows * cols];
            float[] s = new float[rows * cols];
            vec.binary(op, a, rows, cols, b, br, bc, v);
            ref.binary(op, a, rows, cols, b, br, bc, s);
            close(op + " " + rows + "x" + cols + " by " + br + "x" + bc, s, v, rows * cols, op == Opcode.POW ? 2e-6 : 0);
            vec.binaryImm(op, a, 0.75f, v, rows * cols);
            ref.binaryImm(op, a, 0.75f, s, rows * cols);
            close(op + " imm", s, v, rows * cols, op == Opcode.POW ? 2e-6 : 0);
        }
    }

    @Test
    void nanPropagatesThroughMaxAndMin() {
        float[] a = {Float.NaN, 1f, 2f};
        float[] b = {0f, Float.NaN, 1f};
        float[] v = new float[3];
        vec.binary(Opcode.MAX, a, 1, 3, b, 1, 3, v);
        assertEquals(Float.NaN, v[0]);
        assertEquals(Float.NaN, v[1]);
        assertEquals(2f, v[2]);
    }

    @ParameterizedTest
    @EnumSource(Predicate.class)
    void comparisonsAreExact(Predicate p) {
        int rows = dim();
        int cols = dim();
        float[] a = random(rows * cols, 1);
        float[] b = random(cols, 1);
        for (int i = 0; i < rows * cols; i += 7) {
            a[i] = b[i % cols];
        }
        a[0] = Float.NaN;
        float[] v = new float[rows * cols];
        float[] s = new float[rows * cols];
        vec.compare(p, a, rows, cols, b, 1, cols, v);
        ref.compare(p, a, rows, cols, b, 1, cols, s);
        close("CMP " + p, s, v, rows * cols, 0);
        assertEquals(p == Predicate.NE ? 1f : 0f, v[0], "a comparison with NaN is false, except ne");
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"FMA", "SEL"})
    void ternaryOpsMatchTheReference(Opcode op) {
        for (int t = 0; t < 20; t++) {
            int rows = dim();
            int cols = dim();
            float[] a = random(rows * cols, 1);
            for (int i = 0; i < a.length; i += 3) {
                a[i] = 0f;
            }
            // The first trial is a norm's scale and bias: b and c both one row.
            int br = t > 0 && rnd.nextBoolean() ? rows : 1;
            int bc = t == 0 || rnd.nextBoolean() ? cols : 1;
            int cr = t > 0 && rnd.nextBoolean() ? rows : 1;
            int cc = t == 0 || rnd.nextBoolean() ? cols : 1;
            float[] b = random(br * bc, 1);
            float[] c = random(cr * cc, 1);
            float[] v = new float[rows * cols];
            float[] s = new float[rows * cols];
            vec.ternary(op, a, rows, cols, b, br, bc, c, cr, cc, v);
            ref.ternary(op, a, rows, cols, b, br, bc, c, cr, cc, s);
            close(op.name(), s, v, rows * cols, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"REDSUM", "REDMAX", "REDMIN"})
    void reductionsAlongRowsAndColumns(Opcode op) {
        for (int t = 0; t < 20; t++) {
            int rows = dim();
            int cols = dim();
            boolean columns = rnd.nextBoolean();
            float[] a = random(rows * cols, 1);
            int n = columns ? cols : rows;
            float[] v = new float[n];
            float[] s = new float[n];
            vec.reduce(op, columns, a, rows, cols, v);
            ref.reduce(op, columns, a, rows, cols, s);
            close(op + (columns ? " col " : " row ") + rows + "x" + cols, s, v, n, op == Opcode.REDSUM ? 1e-5 * Math.sqrt(rows * cols) : 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"SOFTMAX", "LNORM", "RMSNORM"})
    void rowWiseOpsMatchTheReference(Opcode op) {
        for (int t = 0; t < 20; t++) {
            int rows = dim();
            int cols = dim();
            float[] a = random(rows * cols, 5);
            float[] v = new float[rows * cols];
            float[] s = new float[rows * cols];
            vec.rowwise(op, a, rows, cols, 1e-5f, v);
            ref.rowwise(op, a, rows, cols, 1e-5f, s);
            close(op + " " + rows + "x" + cols, s, v, rows * cols, 2e-5);
        }
    }

    @Test
    void transposeAndConvert() {
        int rows = 37;
        int cols = 129;
        float[] a = random(rows * cols, 100);
        float[] v = new float[rows * cols];
        float[] s = new float[rows * cols];
        vec.transpose(a, rows, cols, v);
        ref.transpose(a, rows, cols, s);
        close("TRN", s, v, rows * cols, 0);
        assertEquals(a[1 * cols + 5], v[5 * rows + 1]);
        float[] c = new float[rows * cols];
        vec.convert(DType.BF16, a, c, rows * cols);
        for (int i = 0; i < c.length; i++) {
            assertEquals(0, Float.floatToRawIntBits(c[i]) & 0xFFFF, "bf16 keeps 16 bits");
            assertEquals(a[i], c[i], Math.abs(a[i]) / 128, "bf16 rounds to within 2^-8");
        }
        vec.convert(DType.I8, new float[] {300f, -300f, 2.5f, 3.5f, Float.NaN}, c, 5);
        assertEquals(127f, c[0]);
        assertEquals(-128f, c[1]);
        assertEquals(2f, c[2], "half to even");
        assertEquals(4f, c[3], "half to even");
        assertEquals(0f, c[4]);
    }
}

package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;

/**
 * The math of the D ops on compact row-major arrays (docs/ISA.md §4.1). Two implementations: the scalar
 * reference {@link ScalarKernels}, which defines the results, and {@link VectorKernels}, which must match
 * it within the tolerances stated in {@code KernelsTest}. Shapes are checked by the caller; arrays may
 * be longer than the data. Outputs never alias inputs except where noted.
 */
public interface Kernels {

    /** {@code c[m x n] = (zero ? 0 : c) + op(a) . op(b)}; a is stored ar x ac, b br x bc; op = transpose when ta/tb. */
    void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] c, boolean zero);

    /**
     * The same product with op(B) = B already in the panel form {@link VectorKernels#preparePanels} made; the
     * default ignores the panels (the reference needs none).
     */
    default void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, float[] bPanels, float[] c, boolean zero) {
        mma(a, ar, ac, ta, b, br, bc, false, c, zero);
    }

    /** Elementwise unary ops (MOV, NEG ... RECIP); d may be a. */
    void unary(Opcode op, float[] a, float[] d, int n);

    /** {@code d = a op b}, b broadcast from br x bc (br in {1, rows}, bc in {1, cols}); d may be a. */
    void binary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d);

    /** {@code d = a op imm}; d may be a. */
    void binaryImm(Opcode op, float[] a, float imm, float[] d, int n);

    /** {@code d = (a pred b) ? 1 : 0}, b broadcast; d may be a. */
    void compare(Predicate p, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d);

    void compareImm(Predicate p, float[] a, float imm, float[] d, int n);

    /** FMA ({@code a*b + c}) or SEL ({@code a != 0 ? b : c}), b and c broadcast; d may be a. */
    void ternary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] c, int cr, int cc, float[] d);

    /** REDSUM/REDMAX/REDMIN over each row ({@code columns} false: d is rows x 1) or each column (d is 1 x cols). */
    void reduce(Opcode op, boolean columns, float[] a, int rows, int cols, float[] d);

    /** Row-wise SOFTMAX, LNORM or RMSNORM ({@code eps} for the norms); d may be a. */
    void rowwise(Opcode op, float[] a, int rows, int cols, float eps, float[] d);

    void transpose(float[] a, int rows, int cols, float[] d);

    /** CVT: round each value through {@code t}; d may be a. */
    default void convert(DType t, float[] a, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = Convert.roundThrough(t, a[i]);
        }
    }
}

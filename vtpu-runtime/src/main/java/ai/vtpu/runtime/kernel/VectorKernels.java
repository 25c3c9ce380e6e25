package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;

/**
 * The D ops with the Vector API: MMA in {@link VectorMatmul}, everything else in {@link VectorElementwise}.
 * Holds their scratch space: one instance per sentron (not thread-safe).
 */
public final class VectorKernels implements Kernels {
    private final VectorMatmul matmul = new VectorMatmul();
    private final VectorElementwise elementwise = new VectorElementwise();

    /**
     * Writes {@code t} as a B operand in column panels (the layout the MMA reads). The S pipe calls this
     * after a GATHER so MMA need not pack.
     */
    public static void preparePanels(Tile t) {
        VectorMatmul.preparePanels(t);
    }

    /** The panel form of a {@code k x n} B operand in a new array (for tiles kept read-only across runs). */
    public static float[] panels(float[] b, int k, int n) {
        return VectorMatmul.panels(b, k, n);
    }

    @Override
    public void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] c, boolean zero) {
        matmul.mma(a, ar, ac, ta, b, br, bc, tb, c, zero);
    }

    @Override
    public void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, float[] bPanels, float[] c, boolean zero) {
        matmul.mma(a, ar, ac, ta, b, br, bc, bPanels, c, zero);
    }

    @Override
    public void unary(Opcode op, float[] a, float[] d, int n) {
        elementwise.unary(op, a, d, n);
    }

    @Override
    public void binary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        elementwise.binary(op, a, rows, cols, b, br, bc, d);
    }

    @Override
    public void binaryImm(Opcode op, float[] a, float imm, float[] d, int n) {
        elementwise.binaryImm(op, a, imm, d, n);
    }

    @Override
    public void compare(Predicate p, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        elementwise.compare(p, a, rows, cols, b, br, bc, d);
    }

    @Override
    public void compareImm(Predicate p, float[] a, float imm, float[] d, int n) {
        elementwise.compareImm(p, a, imm, d, n);
    }

    @Override
    public void ternary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] c, int cr, int cc, float[] d) {
        elementwise.ternary(op, a, rows, cols, b, br, bc, c, cr, cc, d);
    }

    @Override
    public void reduce(Opcode op, boolean columns, float[] a, int rows, int cols, float[] d) {
        elementwise.reduce(op, columns, a, rows, cols, d);
    }

    @Override
    public void rowwise(Opcode op, float[] a, int rows, int cols, float eps, float[] d) {
        elementwise.rowwise(op, a, rows, cols, eps, d);
    }

    @Override
    public void transpose(float[] a, int rows, int cols, float[] d) {
        VectorElementwise.transpose(a, rows, cols, d);
    }
}

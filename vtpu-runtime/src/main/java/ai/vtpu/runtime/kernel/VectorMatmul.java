package ai.vtpu.runtime.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * MMA with the Vector API. op(B) is packed into panels of two vectors' width, and a register-blocked
 * {@value #MR} x 2-vector micro-kernel reads A in place (row-major; a transposed A is copied into that
 * form first) and keeps its accumulators in registers over the whole inner dimension; the last columns of
 * a ragged tile go through a small buffer. Holds scratch space: one instance per sentron (not thread-safe).
 */
final class VectorMatmul {
    /** Chosen once: the widest species this CPU runs natively (16 lanes with AVX-512). */
    static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    static final int L = SP.length();
    /** Eight rows: 64- and 32-row tiles (a sequence, a batch of 32) divide into blocks with no tail. */
    static final int MR = 8;
    static final int NR = 2 * L;

    private final float[] transposedA = new float[Tile.CAPACITY];
    private final float[] packedB = new float[Tile.MAX * NR];
    private final float[] edge = new float[MR * NR];

    void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] c, boolean zero) {
        mma(a, ar, ac, ta, b, br, bc, tb, null, c, zero);
    }

    void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, float[] bPanels, float[] c, boolean zero) {
        mma(a, ar, ac, ta, b, br, bc, false, bPanels, c, zero);
    }

    /**
     * Writes {@code t} as a B operand in column panels: panel p holds columns [p*NR, p*NR + NR) of every row,
     * zero-padded, at offset p * rows * NR. The S pipe calls this after a GATHER so MMA need not pack.
     */
    static void preparePanels(Tile t) {
        writePanels(t.data(), t.rows(), t.cols(), t.panelSpace());
        t.panelsReady();
    }

    /** The panel form of a {@code k x n} B operand in a new array (for tiles kept read-only across runs). */
    static float[] panels(float[] b, int k, int n) {
        float[] out = new float[(n + NR - 1) / NR * NR * k];
        writePanels(b, k, n, out);
        return out;
    }

    private static void writePanels(float[] b, int k, int n, float[] out) {
        for (int j0 = 0, panel = 0; j0 < n; j0 += NR, panel++) {
            writePanel(b, n, j0, Math.min(NR, n - j0), k, out, panel * k * NR);
        }
    }

    /** out[base + p*NR + q] = b(p, j0 + q) for the nr columns from j0 of a k-row B with row length bc, zero-padded. */
    private static void writePanel(float[] b, int bc, int j0, int nr, int k, float[] out, int base) {
        for (int p = 0; p < k; p++) {
            System.arraycopy(b, p * bc + j0, out, base + p * NR, nr);
            if (nr < NR) {
                Arrays.fill(out, base + p * NR + nr, base + (p + 1) * NR, 0f);
            }
        }
    }

    private void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] bPanels, float[] c,
                     boolean zero) {
        int m = ta ? ac : ar;
        int k = ta ? ar : ac;
        int n = tb ? br : bc;
        if (k == 0) {
            if (zero) {
                Arrays.fill(c, 0, m * n, 0f);
            }
            return;
        }
        if (ta) {
            // The kernels index A as a[row * k + p]: one loop variable, so C2 hoists the bounds checks.
            VectorElementwise.transpose(a, ar, ac, transposedA);
            a = transposedA;
        }
        int full = m - m % MR;
        int quad = full + (m - full) / 4 * 4;
        boolean add = !zero;
        for (int j0 = 0, panel = 0; j0 < n; j0 += NR, panel++) {
            int nr = Math.min(NR, n - j0);
            float[] bp = packedB;
            int bo = 0;
            if (bPanels != null) {
                bp = bPanels;
                bo = panel * k * NR;
            } else {
                packB(b, bc, tb, j0, nr, k);
            }
            // Full eight-row blocks go straight to C; an accumulating kernel adds its sum to C as it stores (C + sum,
            // summed from zero: summing from C instead moved the ONNX comparison's outputs from 5e-7 to 3e-6 of
            // ONNX Runtime's). Blocks of a ragged last panel, and an accumulating MMA with tail rows or an odd inner
            // dimension, go through the buffer and are then added (or copied) into C.
            if (nr < NR || add && (full < m || k % 2 != 0)) {
                for (int i0 = 0; i0 < m; ) {
                    int mr = i0 + MR <= m ? MR : i0 + 4 <= m ? 4 : 1;
                    if (mr == MR) {
                        micro(a, i0 * k, k, bp, bo, k, edge, 0, NR, false);
                    } else if (mr == 4) {
                        micro4(a, i0 * k, k, bp, bo, k, edge, 0, NR);
                    } else {
                        microRow(a, i0 * k, bp, bo, k, edge, 0);
                    }
                    mergeEdge(c, n, i0, mr, j0, nr, add);
                    i0 += mr;
                }
                continue;
            }
            for (int i0 = 0; i0 < full; i0 += MR) {
                micro(a, i0 * k, k, bp, bo, k, c, i0 * n + j0, n, add);
            }
            for (int i0 = full; i0 < quad; i0 += 4) {
                micro4(a, i0 * k, k, bp, bo, k, c, i0 * n + j0, n);
            }
            // One to three rows left (a batch-1 GEMV above all): a row at a time, not padded.
            for (int i = quad; i < m; i++) {
                microRow(a, i * k, bp, bo, k, c, i * n + j0);
            }
        }
    }

    /** C's block from the edge buffer: copied, or added when the MMA accumulates. */
    private void mergeEdge(float[] c, int n, int i0, int mr, int j0, int nr, boolean add) {
        for (int r = 0; r < mr; r++) {
            int row = (i0 + r) * n + j0;
            if (nr == NR && add) {
                FloatVector.fromArray(SP, edge, r * NR).add(FloatVector.fromArray(SP, c, row)).intoArray(c, row);
                FloatVector.fromArray(SP, edge, r * NR + L).add(FloatVector.fromArray(SP, c, row + L)).intoArray(c, row + L);
                continue;
            }
            for (int q = 0; q < nr; q++) {
                c[row + q] = add ? c[row + q] + edge[r * NR + q] : edge[r * NR + q];
            }
        }
    }

    /** packedB[p*NR + q] = op(B)(p, j0 + q), zero past the last column. */
    private void packB(float[] b, int bc, boolean tb, int j0, int nr, int k) {
        if (!tb) {
            writePanel(b, bc, j0, nr, k, packedB, 0);
            return;
        }
        // op(B) = B^T: column q of the panel is row j0 + q of B, read along the row (sequential reads; the other
        // order, writes in sequence, measured 40 % slower).
        for (int q = 0; q < NR; q++) {
            int row = (j0 + q) * bc;
            for (int p = 0; p < k; p++) {
                packedB[p * NR + q] = q < nr ? b[row + p] : 0f;
            }
        }
    }

    /**
     * out[MR x NR at off, row stride ldc] = (or, with {@code add}, +=) A[MR rows from aoff, row stride rs] .
     * packedB panel. Static, one local per value, stores written out, A indexed from the loop variable alone: C2
     * keeps the sixteen accumulators in registers only this way (one pointer per row ran at 183 GFLOP/s instead
     * of 240, and a store helper testing {@code add} for each vector at 200).
     */
    private static void micro(float[] a, int aoff, int rs, float[] bp, int boff, int k, float[] out, int off, int ldc,
                              boolean add) {
        FloatVector c00 = FloatVector.zero(SP);
        FloatVector c01 = FloatVector.zero(SP);
        FloatVector c10 = FloatVector.zero(SP);
        FloatVector c11 = FloatVector.zero(SP);
        FloatVector c20 = FloatVector.zero(SP);
        FloatVector c21 = FloatVector.zero(SP);
        FloatVector c30 = FloatVector.zero(SP);
        FloatVector c31 = FloatVector.zero(SP);
        FloatVector c40 = FloatVector.zero(SP);
        FloatVector c41 = FloatVector.zero(SP);
        FloatVector c50 = FloatVector.zero(SP);
        FloatVector c51 = FloatVector.zero(SP);
        FloatVector c60 = FloatVector.zero(SP);
        FloatVector c61 = FloatVector.zero(SP);
        FloatVector c70 = FloatVector.zero(SP);
        FloatVector c71 = FloatVector.zero(SP);
        int o0 = aoff;
        int o1 = aoff + rs;
        int o2 = aoff + 2 * rs;
        int o3 = aoff + 3 * rs;
        int o4 = aoff + 4 * rs;
        int o5 = aoff + 5 * rs;
        int o6 = aoff + 6 * rs;
        int o7 = aoff + 7 * rs;
        // Two steps per iteration: 2-3 % faster than one (measured on 64 x 256 x 256), the loop overhead halved.
        int even = k - (k & 1);
        int bo = boff;
        for (int p = 0; p < even; p += 2, bo += 2 * NR) {
            FloatVector b0 = FloatVector.fromArray(SP, bp, bo);
            FloatVector b1 = FloatVector.fromArray(SP, bp, bo + L);
            FloatVector a0 = FloatVector.broadcast(SP, a[o0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SP, a[o1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SP, a[o2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SP, a[o3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SP, a[o4 + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SP, a[o5 + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(SP, a[o6 + p]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(SP, a[o7 + p]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
            FloatVector d0 = FloatVector.fromArray(SP, bp, bo + NR);
            FloatVector d1 = FloatVector.fromArray(SP, bp, bo + NR + L);
            FloatVector e0 = FloatVector.broadcast(SP, a[o0 + p + 1]);
            c00 = e0.fma(d0, c00);
            c01 = e0.fma(d1, c01);
            FloatVector e1 = FloatVector.broadcast(SP, a[o1 + p + 1]);
            c10 = e1.fma(d0, c10);
            c11 = e1.fma(d1, c11);
            FloatVector e2 = FloatVector.broadcast(SP, a[o2 + p + 1]);
            c20 = e2.fma(d0, c20);
            c21 = e2.fma(d1, c21);
            FloatVector e3 = FloatVector.broadcast(SP, a[o3 + p + 1]);
            c30 = e3.fma(d0, c30);
            c31 = e3.fma(d1, c31);
            FloatVector e4 = FloatVector.broadcast(SP, a[o4 + p + 1]);
            c40 = e4.fma(d0, c40);
            c41 = e4.fma(d1, c41);
            FloatVector e5 = FloatVector.broadcast(SP, a[o5 + p + 1]);
            c50 = e5.fma(d0, c50);
            c51 = e5.fma(d1, c51);
            FloatVector e6 = FloatVector.broadcast(SP, a[o6 + p + 1]);
            c60 = e6.fma(d0, c60);
            c61 = e6.fma(d1, c61);
            FloatVector e7 = FloatVector.broadcast(SP, a[o7 + p + 1]);
            c70 = e7.fma(d0, c70);
            c71 = e7.fma(d1, c71);
        }
        // One test for all sixteen: a test per store kept C2 from holding the accumulators in registers.
        if (add) {
            c00.add(FloatVector.fromArray(SP, out, off)).intoArray(out, off);
            c01.add(FloatVector.fromArray(SP, out, off + L)).intoArray(out, off + L);
            c10.add(FloatVector.fromArray(SP, out, off + ldc)).intoArray(out, off + ldc);
            c11.add(FloatVector.fromArray(SP, out, off + ldc + L)).intoArray(out, off + ldc + L);
            c20.add(FloatVector.fromArray(SP, out, off + 2 * ldc)).intoArray(out, off + 2 * ldc);
            c21.add(FloatVector.fromArray(SP, out, off + 2 * ldc + L)).intoArray(out, off + 2 * ldc + L);
            c30.add(FloatVector.fromArray(SP, out, off + 3 * ldc)).intoArray(out, off + 3 * ldc);
            c31.add(FloatVector.fromArray(SP, out, off + 3 * ldc + L)).intoArray(out, off + 3 * ldc + L);
            c40.add(FloatVector.fromArray(SP, out, off + 4 * ldc)).intoArray(out, off + 4 * ldc);
            c41.add(FloatVector.fromArray(SP, out, off + 4 * ldc + L)).intoArray(out, off + 4 * ldc + L);
            c50.add(FloatVector.fromArray(SP, out, off + 5 * ldc)).intoArray(out, off + 5 * ldc);
            c51.add(FloatVector.fromArray(SP, out, off + 5 * ldc + L)).intoArray(out, off + 5 * ldc + L);
            c60.add(FloatVector.fromArray(SP, out, off + 6 * ldc)).intoArray(out, off + 6 * ldc);
            c61.add(FloatVector.fromArray(SP, out, off + 6 * ldc + L)).intoArray(out, off + 6 * ldc + L);
            c70.add(FloatVector.fromArray(SP, out, off + 7 * ldc)).intoArray(out, off + 7 * ldc);
            c71.add(FloatVector.fromArray(SP, out, off + 7 * ldc + L)).intoArray(out, off + 7 * ldc + L);
        } else {
            c00.intoArray(out, off);
            c01.intoArray(out, off + L);
            c10.intoArray(out, off + ldc);
            c11.intoArray(out, off + ldc + L);
            c20.intoArray(out, off + 2 * ldc);
            c21.intoArray(out, off + 2 * ldc + L);
            c30.intoArray(out, off + 3 * ldc);
            c31.intoArray(out, off + 3 * ldc + L);
            c40.intoArray(out, off + 4 * ldc);
            c41.intoArray(out, off + 4 * ldc + L);
            c50.intoArray(out, off + 5 * ldc);
            c51.intoArray(out, off + 5 * ldc + L);
            c60.intoArray(out, off + 6 * ldc);
            c61.intoArray(out, off + 6 * ldc + L);
            c70.intoArray(out, off + 7 * ldc);
            c71.intoArray(out, off + 7 * ldc + L);
        }
        if (even < k) {
            // An odd inner dimension: its last step on the stored sums, the same fma the loop would have done (an
            // accumulating MMA with an odd inner dimension uses the buffer, so this never follows an add).
            FloatVector b0 = FloatVector.fromArray(SP, bp, bo);
            FloatVector b1 = FloatVector.fromArray(SP, bp, bo + L);
            for (int r = 0; r < MR; r++) {
                FloatVector x = FloatVector.broadcast(SP, a[aoff + r * rs + even]);
                int at = off + r * ldc;
                x.fma(b0, FloatVector.fromArray(SP, out, at)).intoArray(out, at);
                x.fma(b1, FloatVector.fromArray(SP, out, at + L)).intoArray(out, at + L);
            }
        }
    }

    /**
     * As {@link #micro} for four rows (the tail of a tile whose rows are not a multiple of eight). Written
     * out again on purpose, not parameterised: C2 keeps the accumulators in registers only as separate locals.
     */
    private static void micro4(float[] a, int aoff, int rs, float[] bp, int boff, int k, float[] out, int off, int ldc) {
        FloatVector c00 = FloatVector.zero(SP);
        FloatVector c01 = FloatVector.zero(SP);
        FloatVector c10 = FloatVector.zero(SP);
        FloatVector c11 = FloatVector.zero(SP);
        FloatVector c20 = FloatVector.zero(SP);
        FloatVector c21 = FloatVector.zero(SP);
        FloatVector c30 = FloatVector.zero(SP);
        FloatVector c31 = FloatVector.zero(SP);
        int o0 = aoff;
        int o1 = aoff + rs;
        int o2 = aoff + 2 * rs;
        int o3 = aoff + 3 * rs;
        for (int p = 0, bo = boff; p < k; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(SP, bp, bo);
            FloatVector b1 = FloatVector.fromArray(SP, bp, bo + L);
            FloatVector a0 = FloatVector.broadcast(SP, a[o0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SP, a[o1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SP, a[o2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SP, a[o3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(out, off);
        c01.intoArray(out, off + L);
        c10.intoArray(out, off + ldc);
        c11.intoArray(out, off + ldc + L);
        c20.intoArray(out, off + 2 * ldc);
        c21.intoArray(out, off + 2 * ldc + L);
        c30.intoArray(out, off + 3 * ldc);
        c31.intoArray(out, off + 3 * ldc + L);
    }

    /**
     * out[1 x NR at off] = A row at aoff . packedB panel, with one accumulator chain per vector as in
     * {@link #micro}: every row of a product gets the same bits whichever kernel computes it, so a row's
     * result does not depend on the batch it is in or on how the batch is divided among sentrons.
     */
    private static void microRow(float[] a, int aoff, float[] bp, int boff, int k, float[] out, int off) {
        FloatVector c0 = FloatVector.zero(SP);
        FloatVector c1 = FloatVector.zero(SP);
        for (int p = 0, bo = boff; p < k; p++, bo += NR) {
            FloatVector x0 = FloatVector.broadcast(SP, a[aoff + p]);
            c0 = x0.fma(FloatVector.fromArray(SP, bp, bo), c0);
            c1 = x0.fma(FloatVector.fromArray(SP, bp, bo + L), c1);
        }
        c0.intoArray(out, off);
        c1.intoArray(out, off + L);
    }
}

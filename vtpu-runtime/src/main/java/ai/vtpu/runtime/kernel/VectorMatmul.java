package ai.vtpu.runtime.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * MMA with the Vector API. op(B) is packed into panels of two vectors' width, and a register-blocked
 * {@value #MR} x 2-vector micro-kernel reads op(A) in place (either layout, by strides) and keeps its
 * accumulators in registers over the whole inner dimension; the last rows and columns of ragged tiles go
 * through a small zero-padded buffer. Holds scratch space: one instance per sentron (not thread-safe).
 */
final class VectorMatmul {
    /** Chosen once: the widest species this CPU runs natively (16 lanes with AVX-512). */
    static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    static final int L = SP.length();
    static final int MR = 6;
    static final int NR = 2 * L;

    private final float[] packedA = new float[MR * Tile.MAX];
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
            int nr = Math.min(NR, n - j0);
            int base = panel * k * NR;
            for (int p = 0; p < k; p++) {
                System.arraycopy(b, p * n + j0, out, base + p * NR, nr);
                if (nr < NR) {
                    Arrays.fill(out, base + p * NR + nr, base + (p + 1) * NR, 0f);
                }
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
        // op(A)(i, p) = a[i * rs + p * ps]: the micro-kernel reads A in place, six rows at a time.
        int rs = ta ? 1 : ac;
        int ps = ta ? ac : 1;
        int fullRows = m - m % MR;
        // Tail rows: fours through micro4 in place (two rows left of a taller tile become 8 = 4 + 4, as in a
        // batch of 32), what is left of them through microRow, and three rows as a zero-padded block.
        if (m - fullRows == 2 && fullRows >= MR) {
            fullRows -= MR;
        }
        int quad = fullRows + (m - fullRows) / 4 * 4;
        boolean padded = m - fullRows == 3;
        if (padded) {
            packTailRows(a, rs, ps, fullRows, m, k);
        }
        // A zeroing MMA whose every block is a full panel stores its sums instead of adding them to a
        // cleared tile: one pass over C fewer (3-5 % of a 64x256x256 MMA). Ragged blocks add through the
        // edge buffer, so they need C cleared first.
        boolean add = !zero || n % NR != 0 || padded;
        if (zero && add) {
            Arrays.fill(c, 0, m * n, 0f);
        }
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
            for (int i0 = 0; i0 < fullRows; i0 += MR) {
                if (nr == NR) {
                    micro(a, i0 * rs, rs, ps, bp, bo, k, c, i0 * n + j0, n, add);
                } else {
                    Arrays.fill(edge, 0f);
                    micro(a, i0 * rs, rs, ps, bp, bo, k, edge, 0, NR, true);
                    addEdge(c, n, i0, MR, j0, nr);
                }
            }
            for (int i0 = fullRows; i0 < quad; i0 += 4) {
                if (nr == NR) {
                    micro4(a, i0 * rs, rs, ps, bp, bo, k, c, i0 * n + j0, n, add);
                } else {
                    Arrays.fill(edge, 0f);
                    micro4(a, i0 * rs, rs, ps, bp, bo, k, edge, 0, NR, true);
                    addEdge(c, n, i0, 4, j0, nr);
                }
            }
            if (padded) {
                Arrays.fill(edge, 0f);
                micro(packedA, 0, k, 1, bp, bo, k, edge, 0, NR, true);
                addEdge(c, n, fullRows, m - fullRows, j0, nr);
                continue;
            }
            // One or two rows left (a batch-1 GEMV above all): a row at a time, not padded to MR rows.
            for (int i = quad; i < m; i++) {
                if (nr == NR) {
                    microRow(a, i * rs, ps, bp, bo, k, c, i * n + j0, add);
                } else {
                    Arrays.fill(edge, 0, NR, 0f);
                    microRow(a, i * rs, ps, bp, bo, k, edge, 0, true);
                    addEdge(c, n, i, 1, j0, nr);
                }
            }
        }
    }

    private void addEdge(float[] c, int n, int i0, int mr, int j0, int nr) {
        for (int r = 0; r < mr; r++) {
            int row = (i0 + r) * n + j0;
            for (int q = 0; q < nr; q++) {
                c[row + q] += edge[r * NR + q];
            }
        }
    }

    /** The last m % MR rows of op(A), zero-padded to MR rows, row-major with row stride k. */
    private void packTailRows(float[] a, int rs, int ps, int from, int m, int k) {
        Arrays.fill(packedA, 0, MR * k, 0f);
        for (int i = from; i < m; i++) {
            int o = (i - from) * k;
            for (int p = 0; p < k; p++) {
                packedA[o + p] = a[i * rs + p * ps];
            }
        }
    }

    /** packedB[p*NR + q] = op(B)(p, j0 + q), zero past the last column. */
    private void packB(float[] b, int bc, boolean tb, int j0, int nr, int k) {
        if (!tb && nr == NR) {
            for (int p = 0; p < k; p++) {
                System.arraycopy(b, p * bc + j0, packedB, p * NR, NR);
            }
            return;
        }
        if (tb) {
            // op(B) = B^T: column q of the panel is row j0 + q of B, read along the row (sequential reads).
            for (int q = 0; q < NR; q++) {
                if (q < nr) {
                    int row = (j0 + q) * bc;
                    for (int p = 0; p < k; p++) {
                        packedB[p * NR + q] = b[row + p];
                    }
                } else {
                    for (int p = 0; p < k; p++) {
                        packedB[p * NR + q] = 0f;
                    }
                }
            }
            return;
        }
        for (int p = 0; p < k; p++) {
            int o = p * NR;
            for (int q = 0; q < nr; q++) {
                packedB[o + q] = b[p * bc + j0 + q];
            }
            for (int q = nr; q < NR; q++) {
                packedB[o + q] = 0f;
            }
        }
    }

    /** out[at..] = v, or += v when {@code add}; inlined, so the test is decided once per call. */
    private static void store(FloatVector v, float[] out, int at, boolean add) {
        (add ? v.add(FloatVector.fromArray(SP, out, at)) : v).intoArray(out, at);
    }

    /**
     * out[MR x NR at off, row stride ldc] += op(A)[MR rows from aoff] . packedB panel. Static, one local per
     * value, stores written out: passing vectors to a call that is not inlined would box them all, and
     * C2 keeps the twelve accumulators in registers only this way.
     */
    private static void micro(float[] a, int aoff, int rs, int ps, float[] bp, int boff, int k, float[] out, int off, int ldc,
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
        int o0 = aoff;
        int o1 = aoff + rs;
        int o2 = aoff + 2 * rs;
        int o3 = aoff + 3 * rs;
        int o4 = aoff + 4 * rs;
        int o5 = aoff + 5 * rs;
        int bo = boff;
        for (int p = 0; p < k; p++, bo += NR, o0 += ps, o1 += ps, o2 += ps, o3 += ps, o4 += ps, o5 += ps) {
            FloatVector b0 = FloatVector.fromArray(SP, bp, bo);
            FloatVector b1 = FloatVector.fromArray(SP, bp, bo + L);
            FloatVector a0 = FloatVector.broadcast(SP, a[o0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SP, a[o1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SP, a[o2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SP, a[o3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SP, a[o4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SP, a[o5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        int r = off;
        store(c00, out, r, add);
        store(c01, out, r + L, add);
        r += ldc;
        store(c10, out, r, add);
        store(c11, out, r + L, add);
        r += ldc;
        store(c20, out, r, add);
        store(c21, out, r + L, add);
        r += ldc;
        store(c30, out, r, add);
        store(c31, out, r + L, add);
        r += ldc;
        store(c40, out, r, add);
        store(c41, out, r + L, add);
        r += ldc;
        store(c50, out, r, add);
        store(c51, out, r + L, add);
    }

    /**
     * As {@link #micro} for four rows (the tail of 64- and 256-row tiles), reading A in place. Written out
     * again on purpose, not parameterised: C2 keeps the accumulators in registers only as separate locals.
     */
    private static void micro4(float[] a, int aoff, int rs, int ps, float[] bp, int boff, int k, float[] out, int off, int ldc,
                              boolean add) {
        FloatVector c00 = FloatVector.zero(SP);
        FloatVector c01 = FloatVector.zero(SP);
        FloatVector c10 = FloatVector.zero(SP);
        FloatVector c11 = FloatVector.zero(SP);
        FloatVector c20 = FloatVector.zero(SP);
        FloatVector c21 = FloatVector.zero(SP);
        FloatVector c30 = FloatVector.zero(SP);
        FloatVector c31 = FloatVector.zero(SP);
        int o0 = aoff;
        int o1 = aoff + 1 * rs;
        int o2 = aoff + 2 * rs;
        int o3 = aoff + 3 * rs;
        int bo = boff;
        for (int p = 0; p < k; p++, bo += NR, o0 += ps, o1 += ps, o2 += ps, o3 += ps) {
            FloatVector b0 = FloatVector.fromArray(SP, bp, bo);
            FloatVector b1 = FloatVector.fromArray(SP, bp, bo + L);
            FloatVector a0 = FloatVector.broadcast(SP, a[o0]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SP, a[o1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SP, a[o2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SP, a[o3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        int r = off;
        store(c00, out, r, add);
        store(c01, out, r + L, add);
        r += ldc;
        store(c10, out, r, add);
        store(c11, out, r + L, add);
        r += ldc;
        store(c20, out, r, add);
        store(c21, out, r + L, add);
        r += ldc;
        store(c30, out, r, add);
        store(c31, out, r + L, add);
    }

    /**
     * out[1 x NR at off] += op(A) row at aoff . packedB panel, with one accumulator chain per vector as in
     * {@link #micro}: every row of a product gets the same bits whichever kernel computes it, so a row's
     * result does not depend on the batch it is in or on how the batch is divided among sentrons. (Four
     * chains ran a batch-1 GEMV 3 % faster, at the price of that property.)
     */
    private static void microRow(float[] a, int aoff, int ps, float[] bp, int boff, int k, float[] out, int off, boolean add) {
        FloatVector c0 = FloatVector.zero(SP);
        FloatVector c1 = FloatVector.zero(SP);
        int o = aoff;
        int bo = boff;
        for (int p = 0; p < k; p++, o += ps, bo += NR) {
            FloatVector x0 = FloatVector.broadcast(SP, a[o]);
            c0 = x0.fma(FloatVector.fromArray(SP, bp, bo), c0);
            c1 = x0.fma(FloatVector.fromArray(SP, bp, bo + L), c1);
        }
        store(c0, out, off, add);
        store(c1, out, off + L, add);
    }
}

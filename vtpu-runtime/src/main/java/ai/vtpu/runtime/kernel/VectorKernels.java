package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The D ops with the Vector API. The matmul packs op(B) into panels of two vectors' width and runs a
 * register-blocked {@value #MR} x 2-vector micro-kernel that reads op(A) in place (either layout, by
 * strides) and keeps its accumulators in registers over the whole inner dimension; the last rows and
 * columns of ragged tiles go through a small zero-padded buffer.
 * Holds scratch space: one instance per sentron (not thread-safe).
 */
public final class VectorKernels implements Kernels {
    /** Chosen once: the widest species this CPU runs natively (16 lanes with AVX-512). */
    static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    static final int L = SP.length();
    static final int MR = 6;
    static final int NR = 2 * L;

    private final float[] packedA = new float[MR * Tile.MAX];
    private final float[] packedB = new float[Tile.MAX * NR];
    private final float[] edge = new float[MR * NR];
    private final float[] expandB = new float[Tile.CAPACITY];
    private final float[] expandC = new float[Tile.CAPACITY];

    @Override
    public void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] c, boolean zero) {
        mma(a, ar, ac, ta, b, br, bc, tb, null, c, zero);
    }

    @Override
    public void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, float[] bPanels, float[] c, boolean zero) {
        mma(a, ar, ac, ta, b, br, bc, false, bPanels, c, zero);
    }

    /**
     * Writes {@code t} as a B operand in column panels: panel p holds columns [p*NR, p*NR + NR) of every row,
     * zero-padded, at offset p * rows * NR. The S pipe calls this after a GATHER so MMA need not pack.
     */
    public static void preparePanels(Tile t) {
        writePanels(t.data(), t.rows(), t.cols(), t.panelSpace());
        t.panelsReady();
    }

    /** The panel form of a {@code k x n} B operand in a new array (for tiles kept read-only across runs). */
    public static float[] panels(float[] b, int k, int n) {
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

    // ------------------------------------------------------------------ elementwise

    /** erf by Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7), odd-extended. */
    private static FloatVector erf(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector t = ax.mul(0.3275911f).add(1f);
        t = t.broadcast(1f).div(t);
        FloatVector poly = t.mul(1.061405429f).add(-1.453152027f).mul(t).add(1.421413741f).mul(t).add(-0.284496736f)
                .mul(t).add(0.254829592f).mul(t);
        FloatVector y = poly.mul(ax.mul(ax).neg().lanewise(VectorOperators.EXP)).neg().add(1f);
        return y.blend(y.neg(), x.compare(VectorOperators.LT, 0f));
    }


    private static VectorMask<Float> test(Predicate p, FloatVector x, FloatVector y) {
        return switch (p) {
            case EQ -> x.compare(VectorOperators.EQ, y);
            case NE -> x.compare(VectorOperators.NE, y);
            case LT -> x.compare(VectorOperators.LT, y);
            case LE -> x.compare(VectorOperators.LE, y);
            case GT -> x.compare(VectorOperators.GT, y);
            case GE -> x.compare(VectorOperators.GE, y);
        };
    }

    /**
     * One loop per opcode, each its own method with the formula written in it. A shared loop, or loops that
     * share a switch over the opcode, compile well only while one opcode has been seen: with two, C2 merges
     * the branches' vectors at a phi, boxes them on every iteration, and every op runs 10 to 15 times slower
     * (measured on 64x256 tiles: RELU 0.85 -> 11 µs, SILU 4.3 -> 14 µs).
     */
    @Override
    public void unary(Opcode op, float[] a, float[] d, int n) {
        switch (op) {
            case MOV -> System.arraycopy(a, 0, d, 0, n);
            case NEG -> neg(a, d, n);
            case ABS -> abs(a, d, n);
            case RELU -> relu(a, d, n);
            case GELU -> gelu(a, d, n);
            case SILU -> silu(a, d, n);
            case SIGMOID -> sigmoid(a, d, n);
            case TANH -> tanh(a, d, n);
            case EXP -> exp(a, d, n);
            case LOG -> log(a, d, n);
            case SQRT -> sqrt(a, d, n);
            case RSQRT -> rsqrt(a, d, n);
            case RECIP -> recip(a, d, n);
            case ERF -> erf(a, d, n);
            default -> throw new IllegalArgumentException(op + " is not a unary op");
        }
    }

    private static void neg(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.neg().intoArray(d, i, m);
        }
    }

    private static void abs(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.abs().intoArray(d, i, m);
        }
    }

    private static void relu(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.max(0f).intoArray(d, i, m);
        }
    }

    private static void gelu(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.mul(0.5f).mul(erf(x.mul((float) (1 / Math.sqrt(2)))).add(1f)).intoArray(d, i, m);
        }
    }

    private static void silu(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.div(x.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(d, i, m);
        }
    }

    private static void sigmoid(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.broadcast(1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f)).intoArray(d, i, m);
        }
    }

    private static void tanh(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.lanewise(VectorOperators.TANH).intoArray(d, i, m);
        }
    }

    private static void exp(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.lanewise(VectorOperators.EXP).intoArray(d, i, m);
        }
    }

    private static void log(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.lanewise(VectorOperators.LOG).intoArray(d, i, m);
        }
    }

    private static void sqrt(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.sqrt().intoArray(d, i, m);
        }
    }

    private static void rsqrt(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.broadcast(1f).div(x.sqrt()).intoArray(d, i, m);
        }
    }

    private static void recip(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.broadcast(1f).div(x).intoArray(d, i, m);
        }
    }

    private static void erf(float[] a, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            erf(x).intoArray(d, i, m);
        }
    }

    /** Writes b broadcast to rows x cols into {@code into}; returns b itself when it already has that shape. */
    private static float[] expand(float[] b, int br, int bc, int rows, int cols, float[] into) {
        if (br == rows && bc == cols) {
            return b;
        }
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            if (bc == 1) {
                Arrays.fill(into, o, o + cols, b[br == 1 ? 0 : i]);
            } else {
                System.arraycopy(b, br == 1 ? 0 : i * cols, into, o, cols);
            }
        }
        return into;
    }

    /**
     * Binary ops, one loop per opcode as for {@link #unary}: b the same shape as a, a row (broadcast down the
     * rows without being expanded), or one value.
     */
    @Override
    public void binary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        if (br == 1 && bc == 1) {
            binaryImm(op, a, b[0], d, rows * cols);
        } else if (br == rows && bc == cols) {
            binaryRun(op, a, 0, b, d, rows * cols);
        } else if (br == 1 && bc == cols) {
            for (int i = 0; i < rows; i++) {
                binaryRun(op, a, i * cols, b, d, cols);
            }
        } else {
            binaryRun(op, a, 0, expand(b, br, bc, rows, cols, expandB), d, rows * cols);
        }
    }

    /** d[o..o+n) = a[o..o+n) op b[0..n). */
    private static void binaryRun(Opcode op, float[] a, int o, float[] b, float[] d, int n) {
        switch (op) {
            case ADD -> add(a, o, b, d, n);
            case SUB -> sub(a, o, b, d, n);
            case MUL -> mul(a, o, b, d, n);
            case DIV -> div(a, o, b, d, n);
            case MAX -> max(a, o, b, d, n);
            case MIN -> min(a, o, b, d, n);
            case POW -> pow(a, o, b, d, n);
            default -> throw new IllegalArgumentException(op + " is not a binary op");
        }
    }

    @Override
    public void binaryImm(Opcode op, float[] a, float imm, float[] d, int n) {
        switch (op) {
            case ADD -> addImm(a, imm, d, n);
            case SUB -> subImm(a, imm, d, n);
            case MUL -> mulImm(a, imm, d, n);
            case DIV -> divImm(a, imm, d, n);
            case MAX -> maxImm(a, imm, d, n);
            case MIN -> minImm(a, imm, d, n);
            case POW -> powImm(a, imm, d, n);
            default -> throw new IllegalArgumentException(op + " is not a binary op");
        }
    }

    private static void add(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.add(y).intoArray(d, o + i, m);
        }
    }

    private static void addImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.add(y).intoArray(d, i, m);
        }
    }

    private static void sub(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.sub(y).intoArray(d, o + i, m);
        }
    }

    private static void subImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.sub(y).intoArray(d, i, m);
        }
    }

    private static void mul(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.mul(y).intoArray(d, o + i, m);
        }
    }

    private static void mulImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.mul(y).intoArray(d, i, m);
        }
    }

    private static void div(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.div(y).intoArray(d, o + i, m);
        }
    }

    private static void divImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.div(y).intoArray(d, i, m);
        }
    }

    private static void max(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.max(y).intoArray(d, o + i, m);
        }
    }

    private static void maxImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.max(y).intoArray(d, i, m);
        }
    }

    private static void min(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.min(y).intoArray(d, o + i, m);
        }
    }

    private static void minImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.min(y).intoArray(d, i, m);
        }
    }

    private static void pow(float[] a, int o, float[] b, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, o + i, m);
            FloatVector y = FloatVector.fromArray(SP, b, i, m);
            x.lanewise(VectorOperators.POW, y).intoArray(d, o + i, m);
        }
    }

    private static void powImm(float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.lanewise(VectorOperators.POW, y).intoArray(d, i, m);
        }
    }



    @Override
    public void compare(Predicate p, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        float[] bb = expand(b, br, bc, rows, cols, expandB);
        compareArrays(p, a, bb, null, d, rows * cols);
    }

    @Override
    public void compareImm(Predicate p, float[] a, float imm, float[] d, int n) {
        compareArrays(p, a, null, FloatVector.broadcast(SP, imm), d, n);
    }

    private static void compareArrays(Predicate p, float[] a, float[] b, FloatVector imm, float[] d, int n) {
        FloatVector one = FloatVector.broadcast(SP, 1f);
        FloatVector zero = FloatVector.zero(SP);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            FloatVector y = b == null ? imm : FloatVector.fromArray(SP, b, i, m);
            zero.blend(one, test(p, x, y)).intoArray(d, i, m);
        }
    }

    @Override
    public void ternary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] c, int cr, int cc, float[] d) {
        float[] bb = expand(b, br, bc, rows, cols, expandB);
        float[] cx = expand(c, cr, cc, rows, cols, expandC);
        int n = rows * cols;
        if (op == Opcode.FMA) {
            fma(a, bb, cx, d, n);
        } else {
            select(a, bb, cx, d, n);
        }
    }

    // FMA and SEL in separate loops, for the reason given at unary.
    private static void fma(float[] a, float[] b, float[] c, float[] d, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            x.fma(FloatVector.fromArray(SP, b, i, m), FloatVector.fromArray(SP, c, i, m)).intoArray(d, i, m);
        }
    }

    private static void select(float[] a, float[] b, float[] c, float[] d, int n) {
        FloatVector zero = FloatVector.zero(SP);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            FloatVector.fromArray(SP, c, i, m).blend(FloatVector.fromArray(SP, b, i, m), x.compare(VectorOperators.NE, zero))
                    .intoArray(d, i, m);
        }
    }

    /**
     * Reductions, one method per kind and direction for the reason given at {@link #unary}: a shared loop
     * that picks the operator inside ran 15-800 times slower once it had seen two kinds (measured on 64x256).
     */
    @Override
    public void reduce(Opcode op, boolean columns, float[] a, int rows, int cols, float[] d) {
        switch (op) {
            case REDSUM -> {
                if (columns) {
                    columnsSum(a, rows, cols, d);
                } else {
                    for (int i = 0; i < rows; i++) {
                        d[i] = rowSum(a, i * cols, cols);
                    }
                }
            }
            case REDMAX -> {
                if (columns) {
                    columnsMax(a, rows, cols, d);
                } else {
                    for (int i = 0; i < rows; i++) {
                        d[i] = rowMax(a, i * cols, cols);
                    }
                }
            }
            case REDMIN -> {
                if (columns) {
                    columnsMin(a, rows, cols, d);
                } else {
                    for (int i = 0; i < rows; i++) {
                        d[i] = rowMin(a, i * cols, cols);
                    }
                }
            }
            default -> throw new IllegalArgumentException(op + " is not a reduction");
        }
    }

    private static float rowSum(float[] a, int o, int cols) {
        FloatVector acc = FloatVector.broadcast(SP, 0f);
        int j = 0;
        for (int bound = SP.loopBound(cols); j < bound; j += L) {
            acc = acc.add(FloatVector.fromArray(SP, a, o + j));
        }
        if (j < cols) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            acc = acc.add(FloatVector.fromArray(SP, a, o + j, m).blend(0f, m.not()));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** d[j] = the sum of column j, a vector of columns at a time. */
    private static void columnsSum(float[] a, int rows, int cols, float[] d) {
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector acc = FloatVector.broadcast(SP, 0f);
            for (int i = 0; i < rows; i++) {
                acc = acc.add(FloatVector.fromArray(SP, a, i * cols + j, m).blend(0f, m.not()));
            }
            acc.intoArray(d, j, m);
        }
    }

    private static float rowMax(float[] a, int o, int cols) {
        FloatVector acc = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (int bound = SP.loopBound(cols); j < bound; j += L) {
            acc = acc.max(FloatVector.fromArray(SP, a, o + j));
        }
        if (j < cols) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            acc = acc.max(FloatVector.fromArray(SP, a, o + j, m).blend(Float.NEGATIVE_INFINITY, m.not()));
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /** d[j] = the max of column j, a vector of columns at a time. */
    private static void columnsMax(float[] a, int rows, int cols, float[] d) {
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector acc = FloatVector.broadcast(SP, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < rows; i++) {
                acc = acc.max(FloatVector.fromArray(SP, a, i * cols + j, m).blend(Float.NEGATIVE_INFINITY, m.not()));
            }
            acc.intoArray(d, j, m);
        }
    }

    private static float rowMin(float[] a, int o, int cols) {
        FloatVector acc = FloatVector.broadcast(SP, Float.POSITIVE_INFINITY);
        int j = 0;
        for (int bound = SP.loopBound(cols); j < bound; j += L) {
            acc = acc.min(FloatVector.fromArray(SP, a, o + j));
        }
        if (j < cols) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            acc = acc.min(FloatVector.fromArray(SP, a, o + j, m).blend(Float.POSITIVE_INFINITY, m.not()));
        }
        return acc.reduceLanes(VectorOperators.MIN);
    }

    /** d[j] = the min of column j, a vector of columns at a time. */
    private static void columnsMin(float[] a, int rows, int cols, float[] d) {
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector acc = FloatVector.broadcast(SP, Float.POSITIVE_INFINITY);
            for (int i = 0; i < rows; i++) {
                acc = acc.min(FloatVector.fromArray(SP, a, i * cols + j, m).blend(Float.POSITIVE_INFINITY, m.not()));
            }
            acc.intoArray(d, j, m);
        }
    }






    /** Row-wise ops, one method each, the switch outside the row loop (see {@link #unary}). */
    @Override
    public void rowwise(Opcode op, float[] a, int rows, int cols, float eps, float[] d) {
        switch (op) {
            case SOFTMAX -> softmax(a, rows, cols, d);
            case LNORM -> layerNorm(a, rows, cols, eps, d);
            case RMSNORM -> rmsNorm(a, rows, cols, eps, d);
            default -> throw new IllegalArgumentException(op + " is not a row-wise op");
        }
    }

    private static void softmax(float[] a, int rows, int cols, float[] d) {
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            float max = rowMax(a, o, cols);
            FloatVector sum = FloatVector.zero(SP);
            int j = 0;
            for (int bound = SP.loopBound(cols); j < bound; j += L) {
                FloatVector e = FloatVector.fromArray(SP, a, o + j).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(d, o + j);
                sum = sum.add(e);
            }
            float total = sum.reduceLanes(VectorOperators.ADD);
            if (j < cols) {
                VectorMask<Float> m = SP.indexInRange(j, cols);
                FloatVector e = FloatVector.fromArray(SP, a, o + j, m).sub(max).lanewise(VectorOperators.EXP);
                e.intoArray(d, o + j, m);
                total += e.reduceLanes(VectorOperators.ADD, m);
            }
            affineRow(d, d, o, cols, 0f, 1f / total);
        }
    }

    private static void layerNorm(float[] a, int rows, int cols, float eps, float[] d) {
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            float mean = rowSum(a, o, cols) / cols;
            float var = sumOfSquares(a, o, cols, mean);
            affineRow(a, d, o, cols, mean, (float) (1 / Math.sqrt(var / cols + eps)));
        }
    }

    private static void rmsNorm(float[] a, int rows, int cols, float eps, float[] d) {
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            float ss = sumOfSquares(a, o, cols, 0f);
            affineRow(a, d, o, cols, 0f, (float) (1 / Math.sqrt(ss / cols + eps)));
        }
    }

    /** The sum of (a - shift)^2 over a row. */
    private static float sumOfSquares(float[] a, int o, int cols, float shift) {
        FloatVector acc = FloatVector.zero(SP);
        int j = 0;
        for (int bound = SP.loopBound(cols); j < bound; j += L) {
            FloatVector x = FloatVector.fromArray(SP, a, o + j).sub(shift);
            acc = x.fma(x, acc);
        }
        if (j < cols) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector x = FloatVector.fromArray(SP, a, o + j, m).sub(shift);
            acc = x.fma(x, acc).blend(acc, m.not());
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }


    /** d[o..o+cols) = (a - shift) * scale. */
    private static void affineRow(float[] a, float[] d, int o, int cols, float shift, float scale) {
        int j = 0;
        for (int bound = SP.loopBound(cols); j < bound; j += L) {
            FloatVector.fromArray(SP, a, o + j).sub(shift).mul(scale).intoArray(d, o + j);
        }
        if (j < cols) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector.fromArray(SP, a, o + j, m).sub(shift).mul(scale).intoArray(d, o + j, m);
        }
    }

    @Override
    public void transpose(float[] a, int rows, int cols, float[] d) {
        // Blocked so that both sides stay in cache lines.
        final int b = 16;
        for (int i0 = 0; i0 < rows; i0 += b) {
            for (int j0 = 0; j0 < cols; j0 += b) {
                int ie = Math.min(rows, i0 + b);
                int je = Math.min(cols, j0 + b);
                for (int i = i0; i < ie; i++) {
                    for (int j = j0; j < je; j++) {
                        d[j * rows + i] = a[i * cols + j];
                    }
                }
            }
        }
    }
}

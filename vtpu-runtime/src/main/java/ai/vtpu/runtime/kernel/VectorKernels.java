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
        if (zero) {
            Arrays.fill(c, 0, m * n, 0f);
        }
        if (k == 0) {
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
                    micro(a, i0 * rs, rs, ps, bp, bo, k, c, i0 * n + j0, n);
                } else {
                    Arrays.fill(edge, 0f);
                    micro(a, i0 * rs, rs, ps, bp, bo, k, edge, 0, NR);
                    addEdge(c, n, i0, MR, j0, nr);
                }
            }
            for (int i0 = fullRows; i0 < quad; i0 += 4) {
                if (nr == NR) {
                    micro4(a, i0 * rs, rs, ps, bp, bo, k, c, i0 * n + j0, n);
                } else {
                    Arrays.fill(edge, 0f);
                    micro4(a, i0 * rs, rs, ps, bp, bo, k, edge, 0, NR);
                    addEdge(c, n, i0, 4, j0, nr);
                }
            }
            if (padded) {
                Arrays.fill(edge, 0f);
                micro(packedA, 0, k, 1, bp, bo, k, edge, 0, NR);
                addEdge(c, n, fullRows, m - fullRows, j0, nr);
                continue;
            }
            // One or two rows left (a batch-1 GEMV above all): a row at a time, not padded to MR rows.
            for (int i = quad; i < m; i++) {
                if (nr == NR) {
                    microRow(a, i * rs, ps, bp, bo, k, c, i * n + j0);
                } else {
                    Arrays.fill(edge, 0, NR, 0f);
                    microRow(a, i * rs, ps, bp, bo, k, edge, 0);
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

    /**
     * out[MR x NR at off, row stride ldc] += op(A)[MR rows from aoff] . packedB panel. Static, one local per
     * value, stores written out: passing vectors to a call that is not inlined would box them all, and
     * C2 keeps the twelve accumulators in registers only this way.
     */
    private static void micro(float[] a, int aoff, int rs, int ps, float[] bp, int boff, int k, float[] out, int off, int ldc) {
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
        c00.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c01.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c10.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c11.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c20.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c21.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c30.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c31.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c40.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c41.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c50.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c51.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
    }

    /**
     * As {@link #micro} for four rows (the tail of 64- and 256-row tiles), reading A in place. Written out
     * again on purpose, not parameterised: C2 keeps the accumulators in registers only as separate locals.
     */
    private static void micro4(float[] a, int aoff, int rs, int ps, float[] bp, int boff, int k, float[] out, int off, int ldc) {
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
        c00.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c01.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c10.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c11.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c20.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c21.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
        r += ldc;
        c30.add(FloatVector.fromArray(SP, out, r)).intoArray(out, r);
        c31.add(FloatVector.fromArray(SP, out, r + L)).intoArray(out, r + L);
    }

    /**
     * out[1 x NR at off] += op(A) row at aoff . packedB panel, with one accumulator chain per vector as in
     * {@link #micro}: every row of a product gets the same bits whichever kernel computes it, so a row's
     * result does not depend on the batch it is in or on how the batch is divided among sentrons. (Four
     * chains ran a batch-1 GEMV 3 % faster, at the price of that property.)
     */
    private static void microRow(float[] a, int aoff, int ps, float[] bp, int boff, int k, float[] out, int off) {
        FloatVector c0 = FloatVector.zero(SP);
        FloatVector c1 = FloatVector.zero(SP);
        int o = aoff;
        int bo = boff;
        for (int p = 0; p < k; p++, o += ps, bo += NR) {
            FloatVector x0 = FloatVector.broadcast(SP, a[o]);
            c0 = x0.fma(FloatVector.fromArray(SP, bp, bo), c0);
            c1 = x0.fma(FloatVector.fromArray(SP, bp, bo + L), c1);
        }
        c0.add(FloatVector.fromArray(SP, out, off)).intoArray(out, off);
        c1.add(FloatVector.fromArray(SP, out, off + L)).intoArray(out, off + L);
    }

    // ------------------------------------------------------------------ elementwise

    private static FloatVector apply(Opcode op, FloatVector x) {
        return switch (op) {
            case MOV -> x;
            case NEG -> x.neg();
            case ABS -> x.abs();
            case RELU -> x.max(0f);
            case GELU -> x.mul(0.5f).mul(erf(x.mul((float) (1 / Math.sqrt(2)))).add(1f));
            case SILU -> x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            case SIGMOID -> x.broadcast(1f).div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            case TANH -> x.lanewise(VectorOperators.TANH);
            case EXP -> x.lanewise(VectorOperators.EXP);
            case LOG -> x.lanewise(VectorOperators.LOG);
            case SQRT -> x.sqrt();
            case RSQRT -> x.broadcast(1f).div(x.sqrt());
            case RECIP -> x.broadcast(1f).div(x);
            case ERF -> erf(x);
            default -> throw new IllegalArgumentException(op + " is not a unary op");
        };
    }

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

    private static FloatVector apply(Opcode op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> x.max(y);
            case MIN -> x.min(y);
            case POW -> x.lanewise(VectorOperators.POW, y);
            default -> throw new IllegalArgumentException(op + " is not a binary op");
        };
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

    @Override
    public void unary(Opcode op, float[] a, float[] d, int n) {
        int i = 0;
        for (int bound = SP.loopBound(n); i < bound; i += L) {
            apply(op, FloatVector.fromArray(SP, a, i)).intoArray(d, i);
        }
        if (i < n) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            apply(op, FloatVector.fromArray(SP, a, i, m)).intoArray(d, i, m);
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

    @Override
    public void binary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        if (br == 1 && bc == 1) {
            binaryImm(op, a, b[0], d, rows * cols);
            return;
        }
        float[] bb = expand(b, br, bc, rows, cols, expandB);
        int n = rows * cols;
        int i = 0;
        for (int bound = SP.loopBound(n); i < bound; i += L) {
            apply(op, FloatVector.fromArray(SP, a, i), FloatVector.fromArray(SP, bb, i)).intoArray(d, i);
        }
        if (i < n) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            apply(op, FloatVector.fromArray(SP, a, i, m), FloatVector.fromArray(SP, bb, i, m)).intoArray(d, i, m);
        }
    }

    @Override
    public void binaryImm(Opcode op, float[] a, float imm, float[] d, int n) {
        FloatVector y = FloatVector.broadcast(SP, imm);
        int i = 0;
        for (int bound = SP.loopBound(n); i < bound; i += L) {
            apply(op, FloatVector.fromArray(SP, a, i), y).intoArray(d, i);
        }
        if (i < n) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            apply(op, FloatVector.fromArray(SP, a, i, m), y).intoArray(d, i, m);
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
        FloatVector zero = FloatVector.zero(SP);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = SP.indexInRange(i, n);
            FloatVector x = FloatVector.fromArray(SP, a, i, m);
            FloatVector y = FloatVector.fromArray(SP, bb, i, m);
            FloatVector z = FloatVector.fromArray(SP, cx, i, m);
            FloatVector r = op == Opcode.FMA ? x.fma(y, z) : z.blend(y, x.compare(VectorOperators.NE, zero));
            r.intoArray(d, i, m);
        }
    }

    @Override
    public void reduce(Opcode op, boolean columns, float[] a, int rows, int cols, float[] d) {
        VectorOperators.Associative red = switch (op) {
            case REDSUM -> VectorOperators.ADD;
            case REDMAX -> VectorOperators.MAX;
            case REDMIN -> VectorOperators.MIN;
            default -> throw new IllegalArgumentException(op + " is not a reduction");
        };
        float identity = op == Opcode.REDSUM ? 0f : op == Opcode.REDMAX ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        if (!columns) {
            for (int i = 0; i < rows; i++) {
                FloatVector acc = FloatVector.broadcast(SP, identity);
                int o = i * cols;
                for (int j = 0; j < cols; j += L) {
                    VectorMask<Float> m = SP.indexInRange(j, cols);
                    FloatVector x = FloatVector.fromArray(SP, a, o + j, m);
                    acc = acc.lanewise(red, x.blend(identity, m.not()));
                }
                d[i] = acc.reduceLanes(red);
            }
            return;
        }
        // Column reduction: accumulate rows into d, a vector of columns at a time.
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector acc = FloatVector.broadcast(SP, identity);
            for (int i = 0; i < rows; i++) {
                acc = acc.lanewise(red, FloatVector.fromArray(SP, a, i * cols + j, m).blend(identity, m.not()));
            }
            acc.intoArray(d, j, m);
        }
    }

    @Override
    public void rowwise(Opcode op, float[] a, int rows, int cols, float eps, float[] d) {
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            switch (op) {
                case SOFTMAX -> {
                    float max = rowReduce(a, o, cols, VectorOperators.MAX, Float.NEGATIVE_INFINITY);
                    FloatVector sum = FloatVector.zero(SP);
                    for (int j = 0; j < cols; j += L) {
                        VectorMask<Float> m = SP.indexInRange(j, cols);
                        FloatVector e = FloatVector.fromArray(SP, a, o + j, m).sub(max).lanewise(VectorOperators.EXP);
                        e.intoArray(d, o + j, m);
                        sum = sum.add(e, m);
                    }
                    float inv = 1f / sum.reduceLanes(VectorOperators.ADD);
                    scaleRow(d, o, cols, 0f, inv);
                }
                case LNORM -> {
                    float mean = rowReduce(a, o, cols, VectorOperators.ADD, 0f) / cols;
                    FloatVector var = FloatVector.zero(SP);
                    for (int j = 0; j < cols; j += L) {
                        VectorMask<Float> m = SP.indexInRange(j, cols);
                        FloatVector x = FloatVector.fromArray(SP, a, o + j, m).sub(mean);
                        var = x.fma(x, var).blend(var, m.not());
                    }
                    float inv = (float) (1 / Math.sqrt(var.reduceLanes(VectorOperators.ADD) / cols + eps));
                    copyRow(a, d, o, cols);
                    scaleRow(d, o, cols, mean, inv);
                }
                case RMSNORM -> {
                    FloatVector ss = FloatVector.zero(SP);
                    for (int j = 0; j < cols; j += L) {
                        VectorMask<Float> m = SP.indexInRange(j, cols);
                        FloatVector x = FloatVector.fromArray(SP, a, o + j, m);
                        ss = x.fma(x, ss).blend(ss, m.not());
                    }
                    float inv = (float) (1 / Math.sqrt(ss.reduceLanes(VectorOperators.ADD) / cols + eps));
                    copyRow(a, d, o, cols);
                    scaleRow(d, o, cols, 0f, inv);
                }
                default -> throw new IllegalArgumentException(op + " is not a row-wise op");
            }
        }
    }

    private static float rowReduce(float[] a, int o, int cols, VectorOperators.Associative red, float identity) {
        FloatVector acc = FloatVector.broadcast(SP, identity);
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            acc = acc.lanewise(red, FloatVector.fromArray(SP, a, o + j, m).blend(identity, m.not()));
        }
        return acc.reduceLanes(red);
    }

    private static void copyRow(float[] a, float[] d, int o, int cols) {
        if (a != d) {
            System.arraycopy(a, o, d, o, cols);
        }
    }

    /** d[o..o+cols) = (d - shift) * scale. */
    private static void scaleRow(float[] d, int o, int cols, float shift, float scale) {
        for (int j = 0; j < cols; j += L) {
            VectorMask<Float> m = SP.indexInRange(j, cols);
            FloatVector.fromArray(SP, d, o + j, m).sub(shift).mul(scale).intoArray(d, o + j, m);
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

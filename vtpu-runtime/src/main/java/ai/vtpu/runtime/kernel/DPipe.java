package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Form;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Predicate;
import ai.vtpu.runtime.VtpuRuntimeException;

/**
 * Executes D ops on a register file: checks shapes at run time (the validator cannot know every
 * shape), handles aliasing between destination and sources, and hands the math to {@link Kernels}.
 */
public final class DPipe {
    private final Kernels kernels;
    private final Tile[] regs;
    private final Tile scratch;

    /** @param scratch where an op whose destination is also an operand computes before the swap (kept across runs) */
    public DPipe(Kernels kernels, Tile[] regs, Tile scratch) {
        this.kernels = kernels;
        this.regs = regs;
        this.scratch = scratch;
    }

    /** FLOPs of a D op on the current tile shapes (multiply-add counts 2, padding included); 0 for data movement. */
    public long flops(DOp op) {
        Tile a = regs[op.a()];
        return switch (op.opcode().form()) {
            case MMA -> {
                Tile b = regs[op.b()];
                long m = op.has(DOp.TA) ? a.cols() : a.rows();
                long k = op.has(DOp.TA) ? a.rows() : a.cols();
                long n = op.has(DOp.TB) ? b.rows() : b.cols();
                yield 2 * m * n * k;
            }
            case BINARY, CMP, UNARY, REDUCE, CVT -> op.opcode() == Opcode.MOV || op.opcode() == Opcode.TRN ? 0 : a.size();
            case TERNARY -> op.opcode() == Opcode.FMA ? 2L * a.size() : 0;
            case NORM -> 4L * a.size();
            default -> 0;
        };
    }

    private Tile src(Opcode op, int r, String role) {
        Tile t = regs[r];
        if (t.isEmpty()) {
            throw new VtpuRuntimeException(op.mnemonic() + ": T" + r + " (" + role + ") has not been written");
        }
        return t;
    }

    private static void broadcastable(Opcode op, Tile a, Tile b, int breg) {
        boolean ok = (b.rows() == a.rows() || b.rows() == 1) && (b.cols() == a.cols() || b.cols() == 1);
        if (!ok) {
            throw new VtpuRuntimeException(op.mnemonic() + ": T" + breg + " is " + b.shapeText() + ", which does not broadcast to "
                    + a.shapeText());
        }
    }

    public void execute(DOp op) {
        Opcode code = op.opcode();
        Form form = code.form();
        if (form == Form.NONE) {
            return;
        }
        Tile d = regs[op.d()];
        if (form == Form.FILL) {
            java.util.Arrays.fill(d.shape(op.rows(), op.cols()), 0, op.rows() * op.cols(), op.imm());
            return;
        }
        Tile a = src(code, op.a(), "a");
        int rows = a.rows();
        int cols = a.cols();
        switch (form) {
            case UNARY -> {
                if (code == Opcode.TRN) {
                    Tile out = d == a ? scratch : d;
                    kernels.transpose(a.data(), rows, cols, out.shape(cols, rows));
                    if (out == scratch) {
                        d.swap(scratch);
                    }
                } else if (code == Opcode.SOFTMAX) {
                    kernels.rowwise(code, a.data(), rows, cols, 0f, d.shape(rows, cols));
                } else {
                    kernels.unary(code, a.data(), d.shape(rows, cols), rows * cols);
                }
            }
            case NORM -> kernels.rowwise(code, a.data(), rows, cols, op.imm(), d.shape(rows, cols));
            case CVT -> kernels.convert(DType.ofCode(op.mode()), a.data(), d.shape(rows, cols), rows * cols);
            case BINARY, CMP -> {
                if (op.has(DOp.IMM)) {
                    if (form == Form.CMP) {
                        kernels.compareImm(Predicate.ofCode(op.mode()), a.data(), op.imm(), d.shape(rows, cols), rows * cols);
                    } else {
                        kernels.binaryImm(code, a.data(), op.imm(), d.shape(rows, cols), rows * cols);
                    }
                    return;
                }
                Tile b = src(code, op.b(), "b");
                broadcastable(code, a, b, op.b());
                // d may be a (same index); if d is a broadcast b, compute aside.
                Tile out = d == b && d != a ? scratch : d;
                float[] bd = b.data();
                int br = b.rows();
                int bc = b.cols();
                if (form == Form.CMP) {
                    kernels.compare(Predicate.ofCode(op.mode()), a.data(), rows, cols, bd, br, bc, out.shape(rows, cols));
                } else {
                    kernels.binary(code, a.data(), rows, cols, bd, br, bc, out.shape(rows, cols));
                }
                if (out == scratch) {
                    d.swap(scratch);
                }
            }
            case TERNARY -> {
                Tile b = src(code, op.b(), "b");
                Tile c = src(code, op.c(), "c");
                broadcastable(code, a, b, op.b());
                broadcastable(code, a, c, op.c());
                Tile out = (d == b || d == c) && d != a ? scratch : d;
                int br = b.rows();
                int bc = b.cols();
                int cr = c.rows();
                int cc = c.cols();
                kernels.ternary(code, a.data(), rows, cols, b.data(), br, bc, c.data(), cr, cc, out.shape(rows, cols));
                if (out == scratch) {
                    d.swap(scratch);
                }
            }
            case REDUCE -> {
                boolean columns = op.has(DOp.COLS);
                Tile out = d == a ? scratch : d;
                kernels.reduce(code, columns, a.data(), rows, cols, columns ? out.shape(1, cols) : out.shape(rows, 1));
                if (out == scratch) {
                    d.swap(scratch);
                }
            }
            case MMA -> mma(op, d, a);
            default -> throw new IllegalStateException(code + " in the D slot");
        }
    }

    private void mma(DOp op, Tile d, Tile a) {
        Tile b = src(op.opcode(), op.b(), "b");
        boolean ta = op.has(DOp.TA);
        boolean tb = op.has(DOp.TB);
        boolean zero = op.has(DOp.ZERO);
        int m = ta ? a.cols() : a.rows();
        int k = ta ? a.rows() : a.cols();
        int kb = tb ? b.cols() : b.rows();
        int n = tb ? b.rows() : b.cols();
        if (k != kb) {
            throw new VtpuRuntimeException("MMA: inner dimensions differ: op(T" + op.a() + ") is " + m + "x" + k
                    + ", op(T" + op.b() + ") is " + kb + "x" + n);
        }
        if (!zero && (d.rows() != m || d.cols() != n)) {
            throw new VtpuRuntimeException("MMA: accumulator T" + op.d() + " is " + d.shapeText() + ", the product is "
                    + m + "x" + n + " (use 'zero' to overwrite)");
        }
        boolean alias = d == a || d == b;
        Tile out = alias ? scratch : d;
        if (!alias && !zero) {
            d.writableData(); // accumulating: a borrowed accumulator's values must move into the register's storage
        }
        float[] c = out.shape(m, n);
        if (alias && !zero) {
            System.arraycopy(d.data(), 0, c, 0, m * n);
        }
        float[] panels = tb ? null : b.panels();
        if (panels != null) {
            kernels.mma(a.data(), a.rows(), a.cols(), ta, b.data(), b.rows(), b.cols(), panels, c, zero);
        } else {
            kernels.mma(a.data(), a.rows(), a.cols(), ta, b.data(), b.rows(), b.cols(), tb, c, zero);
        }
        if (alias) {
            d.swap(scratch);
        }
    }
}

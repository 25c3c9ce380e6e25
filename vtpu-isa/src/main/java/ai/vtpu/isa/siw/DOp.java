package ai.vtpu.isa.siw;

/**
 * The D slot: one tile operation (docs/ISA.md §3.2, §4.1). All D ops share one layout; the op's
 * {@link Form} says which fields it uses, and the constructor rejects values in the others.
 *
 * @param immBits the immediate as IEEE binary32 bits (kept as bits so NaN payloads survive)
 */
public record DOp(Opcode opcode, int flags, int d, int a, int b, int c, int mode, int rows, int cols, int immBits)
        implements Op {

    public static final int IMM = 1;
    public static final int TA = 1 << 1;
    public static final int TB = 1 << 2;
    public static final int ZERO = 1 << 3;
    public static final int COLS = 1 << 4;

    public static final DOp NOP = new DOp(Opcode.D_NOP, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public DOp {
        Check.pipe(opcode, Pipe.D);
        Form f = opcode.form();
        Check.flags(opcode, flags, switch (f) {
            case MMA -> TA | TB | ZERO;
            case BINARY, CMP -> IMM;
            case REDUCE -> COLS;
            default -> 0;
        });
        boolean usesD = f != Form.NONE;
        boolean usesA = usesD && f != Form.FILL;
        boolean usesB = f == Form.MMA || f == Form.TERNARY || ((f == Form.BINARY || f == Form.CMP) && (flags & IMM) == 0);
        boolean usesC = f == Form.TERNARY;
        boolean usesImm = f == Form.FILL || f == Form.NORM || ((f == Form.BINARY || f == Form.CMP) && (flags & IMM) != 0);
        field(opcode, "d", d, usesD);
        field(opcode, "a", a, usesA);
        field(opcode, "b", b, usesB);
        field(opcode, "c", c, usesC);
        if (f == Form.CMP) {
            Check.range(opcode, "predicate", mode, 0, Predicate.values().length - 1);
        } else if (f == Form.CVT) {
            if (DType.ofCode(mode) == null) {
                Check.range(opcode, "dtype", mode, 0, DType.values().length - 1);
            }
        } else {
            Check.zero(opcode, "mode", mode);
        }
        if (f == Form.FILL) {
            Check.range(opcode, "rows", rows, 1, Check.MAX_TILE);
            Check.range(opcode, "cols", cols, 1, Check.MAX_TILE);
        } else {
            Check.zero(opcode, "rows", rows);
            Check.zero(opcode, "cols", cols);
        }
        if (!usesImm) {
            Check.zero(opcode, "imm", immBits);
        }
    }

    private static void field(Opcode op, String name, int value, boolean used) {
        if (used) {
            Check.reg(op, name, value, Regs.TILES);
        } else {
            Check.zero(op, name, value);
        }
    }

    public static DOp unary(Opcode op, int d, int a) {
        return new DOp(op, 0, d, a, 0, 0, 0, 0, 0, 0);
    }

    public static DOp fill(int d, int rows, int cols, float value) {
        return new DOp(Opcode.FILL, 0, d, 0, 0, 0, 0, rows, cols, Float.floatToRawIntBits(value));
    }

    public static DOp cvt(int d, int a, DType type) {
        return new DOp(Opcode.CVT, 0, d, a, 0, 0, type.code(), 0, 0, 0);
    }

    public static DOp mma(int d, int a, int b, boolean transA, boolean transB, boolean zero) {
        int fl = (transA ? TA : 0) | (transB ? TB : 0) | (zero ? ZERO : 0);
        return new DOp(Opcode.MMA, fl, d, a, b, 0, 0, 0, 0, 0);
    }

    public static DOp binary(Opcode op, int d, int a, int b) {
        return new DOp(op, 0, d, a, b, 0, 0, 0, 0, 0);
    }

    public static DOp binaryImm(Opcode op, int d, int a, float imm) {
        return new DOp(op, IMM, d, a, 0, 0, 0, 0, 0, Float.floatToRawIntBits(imm));
    }

    public static DOp ternary(Opcode op, int d, int a, int b, int c) {
        return new DOp(op, 0, d, a, b, c, 0, 0, 0, 0);
    }

    public static DOp reduce(Opcode op, int d, int a, boolean columns) {
        return new DOp(op, columns ? COLS : 0, d, a, 0, 0, 0, 0, 0, 0);
    }

    public static DOp norm(Opcode op, int d, int a, float eps) {
        return new DOp(op, 0, d, a, 0, 0, 0, 0, 0, Float.floatToRawIntBits(eps));
    }

    public float imm() {
        return Float.intBitsToFloat(immBits);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    @Override
    public long reads() {
        return switch (opcode.form()) {
            case NONE, FILL -> 0;
            case UNARY, CVT, REDUCE, NORM -> Regs.tile(a);
            case MMA -> Regs.tile(a) | Regs.tile(b) | (has(ZERO) ? 0 : Regs.tile(d));
            case BINARY, CMP -> Regs.tile(a) | (has(IMM) ? 0 : Regs.tile(b));
            case TERNARY -> Regs.tile(a) | Regs.tile(b) | Regs.tile(c);
            default -> throw new IllegalStateException(opcode + " in the D slot");
        };
    }

    @Override
    public long writes() {
        return opcode.isNop() ? 0 : Regs.tile(d);
    }
}

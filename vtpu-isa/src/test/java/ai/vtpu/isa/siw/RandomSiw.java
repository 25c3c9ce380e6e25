package ai.vtpu.isa.siw;

import ai.vtpu.isa.coord.Dimension;
import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.program.GroupDecl;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.Role;
import ai.vtpu.isa.program.Split;
import ai.vtpu.isa.program.TensorDecl;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random well-formed SIWs and programs covering every opcode and every field an op uses, including
 * extreme values (NaN payloads, -0.0, the largest strides and immediates).
 */
public final class RandomSiw {
    private final Random r;

    public RandomSiw(Random r) {
        this.r = r;
    }

    private static final Opcode[] D = ops(Pipe.D);
    private static final Opcode[] S = ops(Pipe.S);
    private static final Opcode[] C = ops(Pipe.C);

    private static Opcode[] ops(Pipe p) {
        return java.util.Arrays.stream(Opcode.values()).filter(o -> o.pipe() == p).toArray(Opcode[]::new);
    }

    private int tile() {
        return r.nextInt(Regs.TILES);
    }

    private int dim() {
        return switch (r.nextInt(4)) {
            case 0 -> 1;
            case 1 -> 256;
            default -> 1 + r.nextInt(256);
        };
    }

    private int floatBits() {
        return switch (r.nextInt(6)) {
            case 0 -> 0x7fc00000 | r.nextInt(1 << 22); // NaN with payload
            case 1 -> Float.floatToRawIntBits(-0.0f);
            case 2 -> Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
            case 3 -> r.nextInt();
            default -> Float.floatToRawIntBits((float) r.nextGaussian());
        };
    }

    private long u32() {
        return r.nextInt(3) == 0 ? 0xFFFF_FFFFL : 1 + r.nextInt(1000);
    }

    private long i64() {
        return switch (r.nextInt(4)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            default -> r.nextLong() >> r.nextInt(64);
        };
    }

    private int signal() {
        return r.nextInt(3) == 0 ? -1 : r.nextInt(8);
    }

    public PhextCoord coord() {
        int[] v = new int[9];
        for (int i = 0; i < 9; i++) {
            v[i] = r.nextInt(3) == 0 ? 1 + r.nextInt(999) : 1 + r.nextInt(3);
        }
        return PhextCoord.of(v);
    }

    public DOp dOp() {
        Opcode op = D[r.nextInt(D.length)];
        return switch (op.form()) {
            case NONE -> DOp.NOP;
            case UNARY -> DOp.unary(op, tile(), tile());
            case FILL -> new DOp(op, 0, tile(), 0, 0, 0, 0, dim(), dim(), floatBits());
            case CVT -> DOp.cvt(tile(), tile(), DType.values()[r.nextInt(DType.values().length)]);
            case MMA -> DOp.mma(tile(), tile(), tile(), r.nextBoolean(), r.nextBoolean(), r.nextBoolean());
            case BINARY, CMP -> {
                int mode = op.form() == Form.CMP ? r.nextInt(Predicate.values().length) : 0;
                yield r.nextBoolean()
                        ? new DOp(op, DOp.IMM, tile(), tile(), 0, 0, mode, 0, 0, floatBits())
                        : new DOp(op, 0, tile(), tile(), tile(), 0, mode, 0, 0, 0);
            }
            case TERNARY -> DOp.ternary(op, tile(), tile(), tile(), tile());
            case REDUCE -> DOp.reduce(op, tile(), tile(), r.nextBoolean());
            case NORM -> new DOp(op, 0, tile(), tile(), 0, 0, 0, 0, 0, floatBits());
            default -> throw new IllegalStateException();
        };
    }

    public SOp sOp() {
        Opcode op = S[r.nextInt(S.length)];
        return switch (op.form()) {
            case NONE -> SOp.NOP;
            case TILE -> {
                int flags = (r.nextBoolean() ? SOp.T : 0) | (op == Opcode.SCATTER && r.nextBoolean() ? SOp.ADD : 0);
                yield new STile(op, flags, signal(), op == Opcode.PREFETCH ? 0 : tile(), r.nextInt(Regs.COORDS),
                        dim(), dim(), u32(), u32());
            }
            case CSET -> new SCset(signal(), r.nextInt(Regs.COORDS), new PhextAddress(coord(), u32(), u32()));
            case INDEX -> r.nextBoolean()
                    ? new SIndex(SOp.REG, signal(), r.nextInt(8), r.nextInt(8), Dimension.ofNumber(1 + r.nextInt(11)),
                            r.nextInt(16), i64())
                    : new SIndex(0, signal(), r.nextInt(8), r.nextInt(8), Dimension.ofNumber(1 + r.nextInt(11)), 0, i64());
            case SCALAR -> switch (op) {
                case SLI -> new SScalar(op, 0, signal(), r.nextInt(16), 0, 0, i64());
                case SID, SCOUNT -> new SScalar(op, 0, signal(), r.nextInt(16), 0, 0, 0);
                default -> r.nextBoolean()
                        ? new SScalar(op, SOp.REG, signal(), r.nextInt(16), r.nextInt(16), r.nextInt(16), 0)
                        : new SScalar(op, 0, signal(), r.nextInt(16), r.nextInt(16), 0, i64());
            };
            case PAGE -> op == Opcode.ALLOC
                    ? new SPage(op, signal(), r.nextInt(8), DType.values()[r.nextInt(DType.values().length)],
                            1 + r.nextInt(Integer.MAX_VALUE), 1 + r.nextInt(4096))
                    : new SPage(op, signal(), r.nextInt(8), null, 0, 0);
            default -> throw new IllegalStateException();
        };
    }

    /** A C op; branch targets are below {@code programLength} when it is positive. */
    public COp cOp(int programLength) {
        Opcode op = C[r.nextInt(C.length)];
        long target = programLength > 0 ? r.nextInt(programLength) : u32();
        return switch (op) {
            case C_NOP -> COp.NOP;
            case SEND -> new CComm(op, signal(), tile(), 0, 0, r.nextInt(65536), 0, 0, r.nextInt(256), 0);
            case RECV -> new CComm(op, signal(), tile(), 0, 0, r.nextInt(65536), dim(), dim(), r.nextInt(256), 0);
            case BAR -> new CComm(op, signal(), 0, r.nextInt(256), 0, 0, 0, 0, 0, 0);
            case FENCE -> new CComm(op, signal(), 0, 0, 0, 0, 0, 0, 0, 0);
            case REDUCE -> new CComm(op, signal(), tile(), r.nextInt(256), r.nextInt(4), 0, 0, 0, 0, 0);
            case CAST -> new CComm(op, signal(), tile(), r.nextInt(256), 0, r.nextInt(65536), dim(), dim(), 0, 0);
            case ALLGATHER -> new CComm(op, signal(), tile(), r.nextInt(256), 0, 0, dim(), dim(), 0, tile());
            case LOOP, BRZ, BRNZ -> new CBranch(op, r.nextInt(16), target);
            case JMP -> new CBranch(op, 0, target);
            case HALT -> CBranch.halt();
            default -> throw new IllegalStateException();
        };
    }

    public Siw siw(int programLength) {
        return new Siw(r.nextInt(4) == 0 ? Siw.SYNC : 0, r.nextInt(4) == 0 ? r.nextInt(256) : 0,
                r.nextInt(4) == 0 ? r.nextInt(256) : 0, dOp(), sOp(), cOp(programLength));
    }

    /** A random well-formed (not necessarily valid) program with declarations on distinct pages. */
    public Program program(int length) {
        List<TensorDecl> tensors = new ArrayList<>();
        int count = r.nextInt(4);
        for (int i = 0; i < count; i++) {
            int rank = 1 + r.nextInt(4);
            List<Integer> shape = new ArrayList<>();
            for (int d = 0; d < rank; d++) {
                shape.add(1 + r.nextInt(d < rank - 2 ? 3 : 300));
            }
            PhextCoord c = PhextCoord.of(1, 1, 1, 1, 1, 1 + i, 1, 1, 1);
            tensors.add(new TensorDecl("t" + i, DType.values()[r.nextInt(DType.values().length)], shape, c,
                    Role.values()[r.nextInt(Role.values().length)],
                    // split=pages is for rank 3 and 4 only
                    Split.values()[r.nextInt(rank >= 3 ? Split.values().length : Split.PAGES.ordinal())]));
        }
        List<GroupDecl> groups = new ArrayList<>();
        if (r.nextBoolean()) {
            groups.add(new GroupDecl(1 + r.nextInt(255), List.of(0, 1 + r.nextInt(100))));
        }
        List<Siw> code = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            code.add(siw(length));
        }
        return new Program(tensors, groups, code);
    }
}

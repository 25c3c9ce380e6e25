package ai.vtpu.isa.siw;

import static ai.vtpu.isa.LittleEndian.i32;
import static ai.vtpu.isa.LittleEndian.i64;
import static ai.vtpu.isa.LittleEndian.put16;
import static ai.vtpu.isa.LittleEndian.put32;
import static ai.vtpu.isa.LittleEndian.put64;
import static ai.vtpu.isa.LittleEndian.put8;
import static ai.vtpu.isa.LittleEndian.u16;
import static ai.vtpu.isa.LittleEndian.u32;
import static ai.vtpu.isa.LittleEndian.u8;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.coord.Dimension;
import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.coord.PhextCoord;

/**
 * The one encoder and decoder of SIWs (docs/ISA.md §3). Decoding checks every field: a word that decodes
 * is well-formed on its own, and its re-encoding is the same 64 bytes.
 */
public final class SiwCodec {
    public static final int D_OFF = 8;
    public static final int S_OFF = 24;
    public static final int C_OFF = 48;

    private SiwCodec() {
    }

    public static byte[] encode(Siw siw) {
        byte[] out = new byte[Siw.BYTES];
        encode(siw, out, 0);
        return out;
    }

    /** Writes the 64 bytes of {@code siw} at {@code off}; every byte of the word is written. */
    public static void encode(Siw siw, byte[] out, int off) {
        java.util.Arrays.fill(out, off, off + Siw.BYTES, (byte) 0);
        put8(out, off, siw.flags());
        put8(out, off + 1, siw.waitS());
        put8(out, off + 2, siw.waitC());
        encodeD(siw.d(), out, off + D_OFF);
        encodeS(siw.s(), out, off + S_OFF);
        encodeC(siw.c(), out, off + C_OFF);
    }

    private static void encodeD(DOp d, byte[] b, int o) {
        put8(b, o, d.opcode().code());
        put8(b, o + 1, d.flags());
        put8(b, o + 2, d.d());
        put8(b, o + 3, d.a());
        put8(b, o + 4, d.b());
        put8(b, o + 5, d.c());
        put8(b, o + 6, d.mode());
        put16(b, o + 8, d.rows());
        put16(b, o + 10, d.cols());
        put32(b, o + 12, d.immBits());
    }

    private static int signalByte(int signal) {
        return signal < 0 ? 0 : 0x80 | signal;
    }

    private static void encodeS(SOp s, byte[] b, int o) {
        put8(b, o, s.opcode().code());
        put8(b, o + 1, s.flags());
        put8(b, o + 2, signalByte(s.signal()));
        switch (s) {
            case SOp.Nop n -> { }
            case STile t -> {
                put8(b, o + 3, t.tile());
                put8(b, o + 4, t.coord());
                put16(b, o + 8, t.rows());
                put16(b, o + 10, t.cols());
                put32(b, o + 12, t.lineStride());
                put32(b, o + 16, t.colStride());
            }
            case SCset c -> {
                put8(b, o + 3, c.coord());
                c.address().coord().writePacked(b, o + 4);
                put32(b, o + 16, c.address().line());
                put32(b, o + 20, c.address().column());
            }
            case SIndex x -> {
                put8(b, o + 3, x.dst());
                put8(b, o + 4, x.src());
                put8(b, o + 5, x.dim().number());
                put8(b, o + 6, x.reg());
                put64(b, o + 8, x.imm());
            }
            case SScalar x -> {
                put8(b, o + 3, x.dst());
                put8(b, o + 4, x.a());
                put8(b, o + 5, x.b());
                put64(b, o + 8, x.imm());
            }
            case SPage p -> {
                put8(b, o + 3, p.coord());
                put8(b, o + 4, p.dtype() == null ? 0 : p.dtype().code());
                put32(b, o + 8, p.lines());
                put32(b, o + 12, p.columns());
            }
        }
    }

    private static void encodeC(COp c, byte[] b, int o) {
        put8(b, o, c.opcode().code());
        put8(b, o + 2, signalByte(c.signal()));
        switch (c) {
            case COp.Nop n -> { }
            case CComm m -> {
                put8(b, o + 3, m.tile());
                put8(b, o + 4, m.group());
                put8(b, o + 5, m.mode());
                put16(b, o + 6, m.peer());
                put16(b, o + 8, m.rows());
                put16(b, o + 10, m.cols());
                put8(b, o + 12, m.channel());
                put8(b, o + 13, m.src());
            }
            case CBranch br -> {
                put8(b, o + 3, br.reg());
                put32(b, o + 8, br.target());
            }
        }
    }

    /**
     * Decodes the SIW at {@code off}.
     *
     * @param index the SIW's index in its program, for the error location
     * @throws IsaException naming the SIW, the slot and the field
     */
    public static Siw decode(byte[] in, int off, int index) {
        if (off < 0 || in.length - off < Siw.BYTES) {
            throw new IsaException(ErrorCode.TRUNCATED, "SIW " + index,
                    "needs 64 bytes, " + Math.max(0, in.length - off) + " left");
        }
        String where = "SIW " + index;
        int flags = u8(in, off);
        zeros(in, off + 3, 5, where + ", header", "bytes 3..7");
        DOp d;
        SOp s;
        COp c;
        try {
            d = decodeD(in, off + D_OFF);
        } catch (IsaException e) {
            throw e.at(where + ", D slot");
        }
        try {
            s = decodeS(in, off + S_OFF);
        } catch (IsaException e) {
            throw e.at(where + ", S slot");
        }
        try {
            c = decodeC(in, off + C_OFF);
        } catch (IsaException e) {
            throw e.at(where + ", C slot");
        }
        try {
            return new Siw(flags, u8(in, off + 1), u8(in, off + 2), d, s, c);
        } catch (IsaException e) {
            throw e.at(where + ", header");
        }
    }

    private static void zeros(byte[] b, int from, int count, String where, String what) {
        for (int i = 0; i < count; i++) {
            if (b[from + i] != 0) {
                throw new IsaException(ErrorCode.RESERVED_NONZERO, where, what + " must be zero");
            }
        }
    }

    private static Opcode opcode(Pipe pipe, int code) {
        Opcode op = Opcode.decode(pipe, code);
        if (op == null) {
            throw new IsaException(ErrorCode.UNKNOWN_OPCODE,
                    "opcode 0x" + String.format("%02x", code) + " is not defined for the " + pipe + " slot");
        }
        return op;
    }

    private static DOp decodeD(byte[] b, int o) {
        Opcode op = opcode(Pipe.D, u8(b, o));
        zeros(b, o + 7, 1, "", "D byte 7");
        return new DOp(op, u8(b, o + 1), u8(b, o + 2), u8(b, o + 3), u8(b, o + 4), u8(b, o + 5), u8(b, o + 6),
                u16(b, o + 8), u16(b, o + 10), i32(b, o + 12));
    }

    private static int signal(Opcode op, int raw) {
        if ((raw & 0x80) == 0) {
            if (raw != 0) {
                throw new IsaException(ErrorCode.RESERVED_NONZERO,
                        op.mnemonic() + ": signal byte 0x" + Integer.toHexString(raw) + " has a tag but no signal bit");
            }
            return -1;
        }
        if ((raw & 0x78) != 0) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO, op.mnemonic() + ": signal byte bits 3..6 must be zero");
        }
        return raw & 0x07;
    }

    private static SOp decodeS(byte[] b, int o) {
        Opcode op = opcode(Pipe.S, u8(b, o));
        int flags = u8(b, o + 1);
        int sig = signal(op, u8(b, o + 2));
        return switch (op.form()) {
            case NONE -> {
                zeros(b, o + 1, 23, "", "NOP operand bytes");
                yield SOp.NOP;
            }
            case TILE -> {
                zeros(b, o + 5, 3, "", op.mnemonic() + " bytes 5..7");
                zeros(b, o + 20, 4, "", op.mnemonic() + " bytes 20..23");
                yield new STile(op, flags, sig, u8(b, o + 3), u8(b, o + 4), u16(b, o + 8), u16(b, o + 10),
                        u32(b, o + 12), u32(b, o + 16));
            }
            case CSET -> {
                Check.zero(op, "flags", flags);
                PhextAddress addr = new PhextAddress(PhextCoord.readPacked(b, o + 4), u32(b, o + 16), u32(b, o + 20));
                yield new SCset(sig, u8(b, o + 3), addr);
            }
            case INDEX -> {
                zeros(b, o + 7, 1, "", "INDEX byte 7");
                zeros(b, o + 16, 8, "", "INDEX bytes 16..23");
                int dimNumber = u8(b, o + 5);
                Dimension dim = Dimension.ofNumber(dimNumber);
                if (dim == null) {
                    throw new IsaException(ErrorCode.FIELD_RANGE, "INDEX: dimension is " + dimNumber + ", expected 1..11");
                }
                yield new SIndex(flags, sig, u8(b, o + 3), u8(b, o + 4), dim, u8(b, o + 6), i64(b, o + 8));
            }
            case SCALAR -> {
                zeros(b, o + 6, 2, "", op.mnemonic() + " bytes 6..7");
                zeros(b, o + 16, 8, "", op.mnemonic() + " bytes 16..23");
                yield new SScalar(op, flags, sig, u8(b, o + 3), u8(b, o + 4), u8(b, o + 5), i64(b, o + 8));
            }
            case PAGE -> {
                Check.zero(op, "flags", flags);
                zeros(b, o + 5, 3, "", op.mnemonic() + " bytes 5..7");
                zeros(b, o + 16, 8, "", op.mnemonic() + " bytes 16..23");
                int code = u8(b, o + 4);
                DType type = null;
                if (op == Opcode.ALLOC) {
                    type = DType.ofCode(code);
                    if (type == null) {
                        throw new IsaException(ErrorCode.FIELD_RANGE, "ALLOC: dtype code " + code + " is not defined");
                    }
                } else {
                    Check.zero(op, "dtype", code);
                }
                yield new SPage(op, sig, u8(b, o + 3), type, u32(b, o + 8), u32(b, o + 12));
            }
            default -> throw new IllegalStateException(op + " in the S slot");
        };
    }

    private static COp decodeC(byte[] b, int o) {
        Opcode op = opcode(Pipe.C, u8(b, o));
        Check.zero(op, "flags", u8(b, o + 1));
        int raw = u8(b, o + 2);
        return switch (op.form()) {
            case NONE -> {
                zeros(b, o + 1, 15, "", "NOP operand bytes");
                yield COp.NOP;
            }
            case COMM -> {
                zeros(b, o + 14, 2, "", op.mnemonic() + " bytes 14..15");
                yield new CComm(op, signal(op, raw), u8(b, o + 3), u8(b, o + 4), u8(b, o + 5), u16(b, o + 6),
                        u16(b, o + 8), u16(b, o + 10), u8(b, o + 12), u8(b, o + 13));
            }
            case BRANCH -> {
                Check.zero(op, "signal", raw);
                zeros(b, o + 4, 4, "", op.mnemonic() + " bytes 4..7");
                zeros(b, o + 12, 4, "", op.mnemonic() + " bytes 12..15");
                yield new CBranch(op, u8(b, o + 3), u32(b, o + 8));
            }
            default -> throw new IllegalStateException(op + " in the C slot");
        };
    }
}

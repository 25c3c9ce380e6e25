package ai.vtpu.isa.siw;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;

/**
 * One Sentron Instruction Word: the header's dependency fields and the D, S and C ops
 * (docs/ISA.md §1.3, §3). Encoded as exactly {@link #BYTES} bytes by {@link SiwCodec}.
 *
 * @param flags header flags: {@link #SYNC}
 * @param waitS bit t = wait for S tag t before issuing
 * @param waitC bit t = wait for C tag t before issuing
 */
public record Siw(int flags, int waitS, int waitC, DOp d, SOp s, COp c) {

    public static final int BYTES = 64;
    public static final int SYNC = 1;
    public static final Siw EMPTY = new Siw(0, 0, 0, DOp.NOP, SOp.NOP, COp.NOP);

    public Siw {
        if ((flags & ~SYNC) != 0) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO,
                    "header flags 0x" + Integer.toHexString(flags) + ", only bit 0 (SYNC) is defined");
        }
        if (waitS < 0 || waitS > 0xFF || waitC < 0 || waitC > 0xFF) {
            throw new IsaException(ErrorCode.FIELD_RANGE, "wait masks are 8 bits");
        }
        if (d == null || s == null || c == null) {
            throw new IllegalArgumentException("a SIW has three slots; use the NOPs for empty ones");
        }
    }

    public static Siw of(DOp d, SOp s, COp c) {
        return new Siw(0, 0, 0, d, s, c);
    }

    public static Siw of(DOp d) {
        return of(d, SOp.NOP, COp.NOP);
    }

    public static Siw of(SOp s) {
        return of(DOp.NOP, s, COp.NOP);
    }

    public static Siw of(COp c) {
        return of(DOp.NOP, SOp.NOP, c);
    }

    public Siw withWaits(int sMask, int cMask) {
        return new Siw(flags, sMask, cMask, d, s, c);
    }

    public Siw withSync() {
        return new Siw(flags | SYNC, waitS, waitC, d, s, c);
    }

    public boolean sync() {
        return (flags & SYNC) != 0;
    }

    public Op op(Pipe p) {
        return switch (p) {
            case D -> d;
            case S -> s;
            case C -> c;
        };
    }
}

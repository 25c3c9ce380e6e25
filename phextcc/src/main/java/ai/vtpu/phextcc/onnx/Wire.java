package ai.vtpu.phextcc.onnx;

import ai.vtpu.phextcc.CompileException;
import java.nio.charset.StandardCharsets;

/**
 * A reader of the protobuf wire format (varints, fixed 32/64-bit, length-delimited fields), enough to read
 * ONNX files without generated classes. Every read is bounds-checked: a truncated or corrupt file is a
 * {@link CompileException} naming the byte offset.
 */
final class Wire {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] b;
    private final String what;
    private int pos;
    private final int end;

    Wire(byte[] b, int from, int to, String what) {
        this.b = b;
        this.pos = from;
        this.end = to;
        this.what = what;
    }

    boolean more() {
        return pos < end;
    }

    private CompileException bad(String why) {
        return new CompileException(what + ": corrupt protobuf at byte " + pos + ": " + why);
    }

    long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw bad("truncated varint");
            }
            byte x = b[pos++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw bad("varint longer than 10 bytes");
    }

    /** The next field's key: field number << 3 | wire type. */
    int key() {
        long k = varint();
        if (k >>> 32 != 0 || (k >>> 3) == 0) {
            throw bad("bad field key " + k);
        }
        return (int) k;
    }

    int fixed32() {
        need(4);
        int v = (b[pos] & 0xFF) | (b[pos + 1] & 0xFF) << 8 | (b[pos + 2] & 0xFF) << 16 | (b[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    long fixed64() {
        long lo = fixed32() & 0xFFFF_FFFFL;
        long hi = fixed32() & 0xFFFF_FFFFL;
        return hi << 32 | lo;
    }

    private void need(int n) {
        if (end - pos < n) {
            throw bad("field runs past the end (" + n + " bytes needed, " + (end - pos) + " left)");
        }
    }

    /** A length-delimited field as a sub-reader; advances past it. */
    Wire message() {
        long n = varint();
        if (n < 0 || n > end - pos) {
            throw bad("length " + n + " runs past the end");
        }
        Wire w = new Wire(b, pos, pos + (int) n, what);
        pos += (int) n;
        return w;
    }

    String string() {
        Wire w = message();
        return new String(b, w.pos, w.end - w.pos, StandardCharsets.UTF_8);
    }

    byte[] bytes() {
        Wire w = message();
        return java.util.Arrays.copyOfRange(b, w.pos, w.end);
    }

    int position() {
        return pos;
    }

    int limit() {
        return end;
    }

    byte[] buffer() {
        return b;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> {
                need(8);
                pos += 8;
            }
            case LEN -> message();
            case FIXED32 -> {
                need(4);
                pos += 4;
            }
            default -> throw bad("unsupported wire type " + wireType);
        }
    }
}

package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.DType;

/** Element conversions between fp32 registers and memory dtypes (docs/ISA.md §1.1): one place for all. */
public final class Convert {
    private Convert() {
    }

    /** fp32 -> bfloat16 bits, round to nearest even; NaN stays NaN. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    public static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    public static short toF16(float f) {
        return Float.floatToFloat16(f);
    }

    public static float fromF16(short h) {
        return Float.float16ToFloat(h);
    }

    /** Round half to even, saturate to [min, max], NaN -> 0. */
    public static long toInt(float f, long min, long max) {
        if (Float.isNaN(f)) {
            return 0;
        }
        double r = Math.rint(f);
        return r <= min ? min : r >= max ? max : (long) r;
    }

    /** The value a register holds after a round trip through {@code t} (the D op CVT). */
    public static float roundThrough(DType t, float f) {
        return switch (t) {
            case F32 -> f;
            case BF16 -> fromBf16(toBf16(f));
            case F16 -> fromF16(toF16(f));
            case I32 -> (float) toInt(f, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case I8 -> (float) toInt(f, Byte.MIN_VALUE, Byte.MAX_VALUE);
        };
    }
}

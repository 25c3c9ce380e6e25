package ai.vtpu.runtime.memory;

import ai.vtpu.isa.coord.PhextCoord;
import java.util.Comparator;

/**
 * The space-filling curve that places pages: a Z-order (Morton) key that interleaves the bits of the
 * nine dimensions, scroll in the lowest position of each group. Coordinates that are near in every
 * dimension get near keys, so pages laid out in key order put neighbouring coordinates in neighbouring
 * memory.
 */
public final class MortonOrder {
    private MortonOrder() {
    }

    /** The 90-bit key as {high 26 bits, low 64 bits}. */
    public static long[] key(PhextCoord c) {
        int[] v = c.toArray(); // library first, scroll last
        long lo = 0;
        long hi = 0;
        int pos = 0;
        for (int bit = 0; bit < 10; bit++) {
            for (int d = 8; d >= 0; d--, pos++) {
                long b = (v[d] >>> bit) & 1L;
                if (pos < 64) {
                    lo |= b << pos;
                } else {
                    hi |= b << (pos - 64);
                }
            }
        }
        return new long[] {hi, lo};
    }

    public static final Comparator<PhextCoord> ORDER = (a, b) -> {
        long[] ka = key(a);
        long[] kb = key(b);
        int c = Long.compareUnsigned(ka[0], kb[0]);
        return c != 0 ? c : Long.compareUnsigned(ka[1], kb[1]);
    };
}

package ai.vtpu.isa.siw;

/**
 * Register sets as bit masks, the currency of hazard analysis: bits 0..15 are tiles T0..T15, 16..31
 * scalars R0..R15, 32..39 coordinate registers P0..P7.
 */
public final class Regs {
    public static final int TILES = 16;
    public static final int SCALARS = 16;
    public static final int COORDS = 8;

    private Regs() {
    }

    public static long tile(int i) {
        return 1L << i;
    }

    public static long scalar(int i) {
        return 1L << (16 + i);
    }

    public static long coord(int i) {
        return 1L << (32 + i);
    }

    /** The assembly name of the register at bit {@code bit}. */
    public static String name(int bit) {
        if (bit < 16) {
            return "T" + bit;
        }
        return bit < 32 ? "R" + (bit - 16) : "P" + (bit - 32);
    }

    /** Names of every register in the set, comma-separated. */
    public static String names(long set) {
        StringBuilder sb = new StringBuilder();
        for (long rest = set; rest != 0; rest &= rest - 1) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(name(Long.numberOfTrailingZeros(rest)));
        }
        return sb.toString();
    }
}

package ai.vtpu.isa.siw;

import java.util.Locale;

/** Element types of memory pages (docs/ISA.md §1.1). Tile registers are always fp32. */
public enum DType {
    F32(0, 4),
    BF16(1, 2),
    F16(2, 2),
    I32(3, 4),
    I8(4, 1);

    private final int code;
    private final int bytes;

    DType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    public int code() {
        return code;
    }

    /** Bytes per element in memory. */
    public int bytes() {
        return bytes;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the dtype with this code, or null */
    public static DType ofCode(int code) {
        for (DType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }

    /** @return the dtype with this label (case-insensitive), or null */
    public static DType ofLabel(String label) {
        return ai.vtpu.isa.Labels.byName(values(), label);
    }
}

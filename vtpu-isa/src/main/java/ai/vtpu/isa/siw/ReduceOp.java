package ai.vtpu.isa.siw;

import java.util.Locale;

/** Combining operations of the C op REDUCE (docs/ISA.md §4.3); the code is the ordinal. */
public enum ReduceOp {
    SUM, MAX, MIN, MEAN;

    public int code() {
        return ordinal();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReduceOp ofCode(int code) {
        return code >= 0 && code < values().length ? values()[code] : null;
    }

    public static ReduceOp ofLabel(String s) {
        for (ReduceOp p : values()) {
            if (p.name().equalsIgnoreCase(s)) {
                return p;
            }
        }
        return null;
    }
}

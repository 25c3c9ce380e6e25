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
        return ai.vtpu.isa.Labels.byOrdinal(values(), code);
    }

    public static ReduceOp ofLabel(String s) {
        return ai.vtpu.isa.Labels.byName(values(), s);
    }
}

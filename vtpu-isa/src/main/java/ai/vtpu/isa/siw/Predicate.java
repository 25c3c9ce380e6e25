package ai.vtpu.isa.siw;

import java.util.Locale;

/** Compare predicates of the D op CMP (docs/ISA.md §4.1); the code is the ordinal. */
public enum Predicate {
    EQ, NE, LT, LE, GT, GE;

    public int code() {
        return ordinal();
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Predicate ofCode(int code) {
        return ai.vtpu.isa.Labels.byOrdinal(values(), code);
    }

    public static Predicate ofLabel(String s) {
        return ai.vtpu.isa.Labels.byName(values(), s);
    }
}

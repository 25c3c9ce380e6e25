package ai.vtpu.isa.program;

import java.util.Locale;

/** What a declared tensor is to the program (docs/ISA.md §5.2); the code is the ordinal. */
public enum Role {
    INPUT, OUTPUT, INOUT, SCRATCH;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isInput() {
        return this == INPUT || this == INOUT;
    }

    public boolean isOutput() {
        return this == OUTPUT || this == INOUT;
    }

    public static Role ofCode(int code) {
        return ai.vtpu.isa.Labels.byOrdinal(values(), code);
    }

    public static Role ofLabel(String s) {
        return ai.vtpu.isa.Labels.byName(values(), s);
    }
}

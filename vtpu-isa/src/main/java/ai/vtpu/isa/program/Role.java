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
        return code >= 0 && code < values().length ? values()[code] : null;
    }

    public static Role ofLabel(String s) {
        for (Role r : values()) {
            if (r.name().equalsIgnoreCase(s)) {
                return r;
            }
        }
        return null;
    }
}

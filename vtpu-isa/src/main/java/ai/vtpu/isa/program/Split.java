package ai.vtpu.isa.program;

import java.util.Locale;

/** How a declared tensor is divided among the sentrons of a run (docs/ISA.md §5.2). */
public enum Split {
    NONE, ROWS, COLS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split ofCode(int code) {
        return code >= 0 && code < values().length ? values()[code] : null;
    }

    public static Split ofLabel(String s) {
        for (Split r : values()) {
            if (r.name().equalsIgnoreCase(s)) {
                return r;
            }
        }
        return null;
    }
}

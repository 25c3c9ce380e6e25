package ai.vtpu.isa.program;

import java.util.Locale;

/** How a declared tensor is divided among the sentrons of a run (docs/ISA.md §5.2). */
public enum Split {
    NONE, ROWS, COLS, PAGES;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split ofCode(int code) {
        return ai.vtpu.isa.Labels.byOrdinal(values(), code);
    }

    public static Split ofLabel(String s) {
        return ai.vtpu.isa.Labels.byName(values(), s);
    }
}

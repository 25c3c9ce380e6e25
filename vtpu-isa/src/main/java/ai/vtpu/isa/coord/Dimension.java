package ai.vtpu.isa.coord;

import java.util.Locale;

/** The eleven phext dimensions, numbered as in phext (docs/ISA.md §2). */
public enum Dimension {
    COLUMN(1, -1),
    LINE(2, 0x0A),
    SCROLL(3, 0x17),
    SECTION(4, 0x18),
    CHAPTER(5, 0x19),
    BOOK(6, 0x1A),
    VOLUME(7, 0x1C),
    COLLECTION(8, 0x1D),
    SERIES(9, 0x1E),
    SHELF(10, 0x1F),
    LIBRARY(11, 0x01);

    private static final Dimension[] BY_NUMBER = new Dimension[12];

    static {
        for (Dimension d : values()) {
            BY_NUMBER[d.number] = d;
        }
    }

    private final int number;
    private final int delimiter;

    Dimension(int number, int delimiter) {
        this.number = number;
        this.delimiter = delimiter;
    }

    /** 1 (column) .. 11 (library). */
    public int number() {
        return number;
    }

    /** The byte that breaks this dimension in a phext file; -1 for column (no delimiter). */
    public int delimiter() {
        return delimiter;
    }

    /** True for the nine dimensions a {@link PhextCoord} holds (scroll .. library). */
    public boolean addressesScroll() {
        return number >= 3;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the dimension, or null when {@code number} is not 1..11 */
    public static Dimension ofNumber(int number) {
        return number >= 1 && number <= 11 ? BY_NUMBER[number] : null;
    }

    /** @return the dimension named (case-insensitive), or null */
    public static Dimension ofLabel(String label) {
        return ai.vtpu.isa.Labels.byName(values(), label);
    }
}

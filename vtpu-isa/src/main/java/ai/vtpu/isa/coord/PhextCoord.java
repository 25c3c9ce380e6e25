package ai.vtpu.isa.coord;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;

/**
 * A scroll coordinate: the nine addressed phext dimensions, each 1..999 (docs/ISA.md §2). Natural order
 * is phext document order; {@link #packedHigh()}/{@link #packedLow()} give the 90-bit packed form whose
 * unsigned numeric order is the same.
 */
public record PhextCoord(int library, int shelf, int series,
                         int collection, int volume, int book,
                         int chapter, int section, int scroll) implements Comparable<PhextCoord> {

    public static final int MIN = 1;
    public static final int MAX = 999;
    public static final PhextCoord ORIGIN = new PhextCoord(1, 1, 1, 1, 1, 1, 1, 1, 1);
    /** Bytes of the packed form inside a SIW or a .siw file. */
    public static final int PACKED_BYTES = 12;

    private static final String[] NAMES = {
        "library", "shelf", "series", "collection", "volume", "book", "chapter", "section", "scroll"};

    public PhextCoord {
        int[] v = {library, shelf, series, collection, volume, book, chapter, section, scroll};
        for (int i = 0; i < v.length; i++) {
            if (v[i] < MIN || v[i] > MAX) {
                throw new IsaException(ErrorCode.COORD_RANGE,
                        NAMES[i] + " is " + v[i] + ", expected " + MIN + ".." + MAX);
            }
        }
    }

    /** Values in text order: library first, scroll last. */
    public static PhextCoord of(int... values) {
        if (values.length != 9) {
            throw new IsaException(ErrorCode.COORD_SYNTAX, "a coordinate has 9 dimensions, got " + values.length);
        }
        return new PhextCoord(values[0], values[1], values[2], values[3], values[4], values[5],
                values[6], values[7], values[8]);
    }

    /**
     * Parses {@code LB.SF.SR/CN.VM.BK/CH.SN.SC} or the URL form with {@code ;}. Strict: three groups of
     * three decimal numbers, no signs or spaces.
     */
    public static PhextCoord parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IsaException(ErrorCode.COORD_SYNTAX, "empty coordinate, expected LB.SF.SR/CN.VM.BK/CH.SN.SC");
        }
        int[] v = new int[9];
        int dim = 0;
        int i = 0;
        int n = text.length();
        char groupSep = 0;
        while (true) {
            int start = i;
            long value = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                if (value <= MAX) {
                    value = value * 10 + (text.charAt(i) - '0');
                }
                i++;
            }
            if (i == start) {
                throw syntax(text, i, "a number for " + NAMES[dim]);
            }
            if (value < MIN || value > MAX) {
                throw new IsaException(ErrorCode.COORD_RANGE, "'" + text + "': " + NAMES[dim] + " is "
                        + text.substring(start, i) + ", expected " + MIN + ".." + MAX);
            }
            v[dim++] = (int) value;
            if (dim == 9) {
                if (i != n) {
                    throw syntax(text, i, "end of coordinate after the scroll");
                }
                return of(v);
            }
            if (i == n) {
                throw syntax(text, i, "more dimensions (9 needed, got " + dim + ")");
            }
            char c = text.charAt(i);
            boolean groupEnd = dim % 3 == 0;
            if (groupEnd) {
                if (c != '/' && c != ';') {
                    throw syntax(text, i, "'/' or ';' after " + NAMES[dim - 1]);
                }
                if (groupSep != 0 && c != groupSep) {
                    throw syntax(text, i, "'" + groupSep + "' (do not mix '/' and ';')");
                }
                groupSep = c;
            } else if (c != '.') {
                throw syntax(text, i, "'.' after " + NAMES[dim - 1]);
            }
            i++;
        }
    }

    private static IsaException syntax(String text, int at, String expected) {
        return new IsaException(ErrorCode.COORD_SYNTAX,
                "'" + text + "' at character " + (at + 1) + ": expected " + expected);
    }

    public int get(Dimension d) {
        return switch (d) {
            case LIBRARY -> library;
            case SHELF -> shelf;
            case SERIES -> series;
            case COLLECTION -> collection;
            case VOLUME -> volume;
            case BOOK -> book;
            case CHAPTER -> chapter;
            case SECTION -> section;
            case SCROLL -> scroll;
            case LINE, COLUMN -> throw new IllegalArgumentException(d + " is not a scroll dimension");
        };
    }

    /** This coordinate with one dimension replaced; the value is range-checked. */
    public PhextCoord with(Dimension d, int value) {
        if (!d.addressesScroll()) {
            throw new IllegalArgumentException(d + " is not a scroll dimension");
        }
        int[] v = toArray();
        v[11 - d.number()] = value;
        return of(v);
    }

    /** Values in text order: library first. */
    public int[] toArray() {
        return new int[] {library, shelf, series, collection, volume, book, chapter, section, scroll};
    }

    /** Bits 64..89 of the packed form (library, shelf and the top of series). */
    public long packedHigh() {
        return packedLowAndHigh()[1];
    }

    /** Bits 0..63 of the packed form. */
    public long packedLow() {
        return packedLowAndHigh()[0];
    }

    private long[] packedLowAndHigh() {
        int[] v = toArray();
        long lo = 0;
        long hi = 0;
        for (int i = 0; i < 9; i++) {
            int shift = 10 * (8 - i);
            long field = v[i];
            if (shift >= 64) {
                hi |= field << (shift - 64);
            } else {
                lo |= field << shift;
                if (shift > 54) {
                    hi |= field >>> (64 - shift);
                }
            }
        }
        return new long[] {lo, hi};
    }

    /** Writes the 12-byte little-endian packed form. */
    public void writePacked(byte[] dst, int off) {
        long lo = packedLow();
        long hi = packedHigh();
        for (int i = 0; i < 8; i++) {
            dst[off + i] = (byte) (lo >>> (8 * i));
        }
        for (int i = 0; i < 4; i++) {
            dst[off + 8 + i] = (byte) (hi >>> (8 * i));
        }
    }

    /** Reads the 12-byte little-endian packed form, rejecting fields of 0 or above 999. */
    public static PhextCoord readPacked(byte[] src, int off) {
        long lo = 0;
        long hi = 0;
        for (int i = 0; i < 8; i++) {
            lo |= (src[off + i] & 0xFFL) << (8 * i);
        }
        for (int i = 0; i < 4; i++) {
            hi |= (src[off + 8 + i] & 0xFFL) << (8 * i);
        }
        if ((hi >>> 26) != 0) {
            throw new IsaException(ErrorCode.COORD_RANGE, "packed coordinate has bits above bit 89 set");
        }
        int[] v = new int[9];
        for (int i = 0; i < 9; i++) {
            int shift = 10 * (8 - i);
            long field;
            if (shift >= 64) {
                field = hi >>> (shift - 64);
            } else {
                field = lo >>> shift;
                if (shift > 54) {
                    field |= hi << (64 - shift);
                }
            }
            v[i] = (int) (field & 0x3FF);
        }
        return of(v);
    }

    @Override
    public int compareTo(PhextCoord o) {
        int c = Long.compareUnsigned(packedHigh(), o.packedHigh());
        return c != 0 ? c : Long.compareUnsigned(packedLow(), o.packedLow());
    }

    @Override
    public String toString() {
        return library + "." + shelf + "." + series + "/" + collection + "." + volume + "." + book + "/"
                + chapter + "." + section + "." + scroll;
    }

    /** The URL form, with {@code ;} between the groups. */
    public String toUrlForm() {
        return toString().replace('/', ';');
    }
}

package ai.vtpu.isa.coord;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;

/**
 * A vTPU memory address: the scroll that holds a page plus line and column inside it, 11 dimensions in
 * all. Line and column are 1-based (element (r, c) is at line r+1, column c+1) and fit in a u32.
 * Text form {@code COORD@line:column}.
 */
public record PhextAddress(PhextCoord coord, long line, long column) implements Comparable<PhextAddress> {

    public static final long MAX_TEXT_DIM = 0xFFFF_FFFFL;
    public static final PhextAddress ORIGIN = new PhextAddress(PhextCoord.ORIGIN, 1, 1);

    public PhextAddress {
        if (coord == null) {
            throw new IsaException(ErrorCode.COORD_SYNTAX, "address without a coordinate");
        }
        checkText("line", line);
        checkText("column", column);
    }

    private static void checkText(String name, long v) {
        if (v < 1 || v > MAX_TEXT_DIM) {
            throw new IsaException(ErrorCode.COORD_RANGE, name + " is " + v + ", expected 1.." + MAX_TEXT_DIM);
        }
    }

    public static PhextAddress of(PhextCoord coord) {
        return new PhextAddress(coord, 1, 1);
    }

    /** Parses {@code COORD} (line and column 1) or {@code COORD@line:column}. */
    public static PhextAddress parse(String text) {
        int at = text.indexOf('@');
        if (at < 0) {
            return of(PhextCoord.parse(text));
        }
        PhextCoord coord = PhextCoord.parse(text.substring(0, at));
        String rest = text.substring(at + 1);
        int colon = rest.indexOf(':');
        if (colon < 0) {
            throw new IsaException(ErrorCode.COORD_SYNTAX, "'" + text + "': expected line:column after '@'");
        }
        return new PhextAddress(coord, parseText("line", text, rest.substring(0, colon)),
                parseText("column", text, rest.substring(colon + 1)));
    }

    private static long parseText(String name, String whole, String digits) {
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw new IsaException(ErrorCode.COORD_SYNTAX,
                    "'" + whole + "': " + name + " '" + digits + "' is not a number 1.." + MAX_TEXT_DIM);
        }
        return Long.parseLong(digits);
    }

    /** The value of any of the 11 dimensions. */
    public long get(Dimension d) {
        return switch (d) {
            case LINE -> line;
            case COLUMN -> column;
            default -> coord.get(d);
        };
    }

    /** This address with dimension {@code d} increased by {@code delta}; range-checked. */
    public PhextAddress plus(Dimension d, long delta) {
        long v;
        try {
            v = Math.addExact(get(d), delta);
        } catch (ArithmeticException e) {
            throw new IsaException(ErrorCode.COORD_RANGE, d.label() + " " + get(d) + " + " + delta + " overflows");
        }
        return switch (d) {
            case LINE -> new PhextAddress(coord, v, column);
            case COLUMN -> new PhextAddress(coord, line, v);
            default -> {
                if (v < PhextCoord.MIN || v > PhextCoord.MAX) {
                    throw new IsaException(ErrorCode.COORD_RANGE,
                            d.label() + " would be " + v + ", expected " + PhextCoord.MIN + ".." + PhextCoord.MAX);
                }
                yield new PhextAddress(coord.with(d, (int) v), line, column);
            }
        };
    }

    @Override
    public int compareTo(PhextAddress o) {
        int c = coord.compareTo(o.coord);
        if (c != 0) {
            return c;
        }
        c = Long.compare(line, o.line);
        return c != 0 ? c : Long.compare(column, o.column);
    }

    @Override
    public String toString() {
        return coord + "@" + line + ":" + column;
    }
}

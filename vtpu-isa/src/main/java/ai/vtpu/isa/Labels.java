package ai.vtpu.isa;

/** Lookups shared by the small enums of the formats (dtypes, roles, predicates ...): one place, not six. */
public final class Labels {
    private Labels() {
    }

    /** The constant whose name equals {@code label} ignoring case, or null. */
    public static <E extends Enum<E>> E byName(E[] values, String label) {
        for (E e : values) {
            if (e.name().equalsIgnoreCase(label)) {
                return e;
            }
        }
        return null;
    }

    /** The constant with this ordinal, or null when out of range (the encoding of the enums whose code is the ordinal). */
    public static <E extends Enum<E>> E byOrdinal(E[] values, int code) {
        return code >= 0 && code < values.length ? values[code] : null;
    }
}

package ai.vtpu.isa;

/** Lookups shared by the small enums of the formats (dtypes, roles, predicates ...): one place, not six. */
public final class Labels {
    private Labels() {
    }

    /** True for a non-empty word of ASCII letters, digits and underscores: the only spellings the formats use. */
    public static boolean isAsciiWord(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The constant whose name equals {@code label} ignoring ASCII case, or null. */
    public static <E extends Enum<E>> E byName(E[] values, String label) {
        if (!isAsciiWord(label)) {
            return null;
        }
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

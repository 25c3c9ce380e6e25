package ai.vtpu.isa;

/**
 * The one error type of the ISA module. Every malformed input (bytes, text, values) ends in this
 * exception, never in an unchecked JDK exception; its message says where and what was expected.
 */
public final class IsaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String where;
    private final String detail;

    public IsaException(ErrorCode code, String where, String detail) {
        super(format(code, where, detail));
        this.code = code;
        this.where = where;
        this.detail = detail;
    }

    public IsaException(ErrorCode code, String detail) {
        this(code, "", detail);
    }

    public ErrorCode code() {
        return code;
    }

    /** Location such as {@code gemm.siwa:12:7} or {@code SIW 3, S slot}; empty when not known. */
    public String where() {
        return where;
    }

    public String detail() {
        return detail;
    }

    /** The same error placed at a location, keeping an inner location as a prefix of the detail. */
    public IsaException at(String location) {
        String d = where.isEmpty() ? detail : where + ": " + detail;
        return new IsaException(code, location, d);
    }

    /** A file that could not be read or written, with the cause in words rather than a class name. */
    public static IsaException io(java.nio.file.Path file, String verb, Throwable cause) {
        String why;
        if (cause instanceof java.nio.file.NoSuchFileException) {
            why = verb.startsWith("write") ? "its directory does not exist" : "no such file";
        } else if (cause instanceof java.nio.file.AccessDeniedException) {
            why = "permission denied";
        } else if (cause instanceof OutOfMemoryError) {
            why = "too large to load";
        } else {
            why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        }
        return new IsaException(ErrorCode.IO, file.toString(), "cannot " + verb + ": " + why);
    }

    private static String format(ErrorCode code, String where, String detail) {
        return (where.isEmpty() ? "" : where + ": ") + "[" + code.tag() + "] " + detail;
    }
}

package ai.vtpu.phextcc;

/**
 * The one error type of phextcc: a graph that cannot be read or compiled. The message names where (file,
 * line and column, and the node) and what was expected.
 */
public final class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompileException(String message) {
        super(message);
    }
}

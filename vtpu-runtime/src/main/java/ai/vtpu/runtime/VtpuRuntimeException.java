package ai.vtpu.runtime;

/**
 * The one error type of the runtime: a fault of a running program (a missing page, a shape that does
 * not match, an address out of range, a peer that does not answer) or a bad use of the runtime API.
 * The message names the sentron, the SIW and what was expected.
 */
public final class VtpuRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VtpuRuntimeException(String message) {
        super(message);
    }

    public VtpuRuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}

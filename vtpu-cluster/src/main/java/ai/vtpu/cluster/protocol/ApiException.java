package ai.vtpu.cluster.protocol;

/**
 * A client's mistake (or a refusal) as the services answer it: an RFC 9457 problem (application/problem+json over REST, the same JSON
 * as the reply on NATS). {@code field} is a JSON pointer into the request when the problem is in it.
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final String field;

    public ApiException(int status, String title, String detail, String field) {
        super(detail);
        this.status = status;
        this.title = title;
        this.field = field;
    }

    public static ApiException badRequest(String field, String detail) {
        return new ApiException(400, "Bad request", detail, field);
    }

    /** Well-formed, but does not fit the program (input names, shapes). */
    public static ApiException unprocessable(String field, String detail) {
        return new ApiException(422, "Request does not match the program", detail, field);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not found", detail, null);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(409, "Conflict", detail, null);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String field() {
        return field;
    }

    /** The problem to answer for any failure of a request: its own for an ApiException, else a 500 saying what broke. */
    public static Problem problemOf(RuntimeException e, String instance) {
        ApiException a = e instanceof ApiException x ? x : new ApiException(500, "Internal error", String.valueOf(e.getMessage()), null);
        return a.problem(instance);
    }

    public Problem problem(String instance) {
        // "about:blank": the status and title say it all; RFC 9457 section 4.2.1.
        return new Problem("about:blank", title, status, getMessage(), instance, field);
    }

    /** RFC 9457 problem details, plus the request field at fault (a JSON pointer; absent when not about a field). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Problem(String type, String title, int status, String detail, String instance, String field) {
    }
}

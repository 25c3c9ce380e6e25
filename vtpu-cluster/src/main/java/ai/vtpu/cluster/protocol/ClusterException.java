package ai.vtpu.cluster.protocol;

/** The one error type of the cluster layer: a NATS/JetStream failure or a message that does not parse, with what was expected. */
public class ClusterException extends RuntimeException {
    public ClusterException(String message) {
        super(message);
    }

    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}

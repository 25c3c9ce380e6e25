package ai.vtpu.cluster.router;

/**
 * Where a sentron of a run is reached: the host that runs it (its NATS connection's name: "node-agent NODE" for node
 * agents) and the subject that carries its tiles.
 */
public record Route(String run, int sentron, String host, String subject, long since) {
}

package ai.vtpu.cluster.router;

import java.util.List;

/**
 * A named set of sentrons across node agents, kept by router-svc in {@code vtpu-groups}: what collectives between
 * sentrons of different hosts are addressed to.
 */
public record SentronGroup(String name, List<Member> members, long createdAt, long updatedAt) {
    /** A sentron on a node agent. */
    public record Member(String node, int sentron) {
    }
}

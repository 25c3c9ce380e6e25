package ai.vtpu.scheduler.api;

import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.JobStatus;
import ai.vtpu.scheduler.core.NodeRegistry;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** What the REST API and NATS replies show of jobs and nodes (docs/CLUSTER.md). */
public final class Views {
    private Views() {
    }

    public record Accepted(String id, JobStatus status) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Job(String id, JobStatus status, String error, String node, JsonNode stats, List<String> outputs, String format,
                      int sentrons, int optLevel, int attempt, long submittedAt, long updatedAt, Long placedAt, Long finishedAt) {
        public static Job of(JobRecord j) {
            return new Job(j.id(), j.status(), j.error(), j.node(), j.stats(),
                    j.outputs() == null ? null : List.copyOf(j.outputs().keySet()), j.format().wire(), j.sentrons(), j.optLevel(),
                    j.attempt(), j.submittedAt(), j.updatedAt(), j.placedAt(), j.finishedAt());
        }
    }

    public record JobPage(List<Job> items, int page, int size, int total) {
    }

    public record Node(String node, String health, int cores, int sentrons, int sentronsBusy, long memoryBytes,
                       List<String> cpuFeatures, List<String> running, double load, long lastHeartbeatMillisAgo) {
        public static Node of(NodeRegistry.Node n, NodeRegistry.Health h) {
            var hb = n.last();
            return new Node(hb.node(), h.name(), hb.cores(), hb.sentrons(), hb.sentronsBusy(), hb.memoryBytes(), hb.cpuFeatures(),
                    hb.running(), hb.load(), (System.nanoTime() - n.seenNanos()) / 1_000_000);
        }
    }
}

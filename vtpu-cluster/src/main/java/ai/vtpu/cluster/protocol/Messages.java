package ai.vtpu.cluster.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The payloads on the subjects of {@link Subjects}, as JSON through {@link Json}. */
public final class Messages {
    private Messages() {
    }

    /**
     * A node agent's heartbeat, every interval and at once on {@link Subjects#DISCOVER}.
     *
     * @param running the jobs running there, as {@code jobId#attempt}
     * @param load the host's one-minute load average
     * @param leaving the agent is shutting down and takes no more work
     */
    public record Heartbeat(String node, int cores, int sentrons, int sentronsBusy, long memoryBytes, List<String> cpuFeatures,
                            List<String> running, double load, boolean leaving, long startedAt, long sentAt) {
        public int sentronsFree() {
            return Math.max(0, sentrons - sentronsBusy);
        }
    }

    /**
     * The scheduler's order to an agent: run {@code program} with the inputs (object names in {@link Subjects#TENSORS_BUCKET}).
     *
     * @param attempt increases each time the job is placed again; results of older attempts are ignored
     * @param traceparent the W3C trace context of the job, so the agent's span joins the job's trace
     * @param local for a job spread over several agents: the sentrons (of {@code sentrons}) this agent runs; null: all
     * @param run for a spread job: the C pipe's run id, the same on every agent of the attempt
     */
    public record WorkOrder(String jobId, int attempt, String program, Map<String, String> inputs, List<String> outputs,
                            int sentrons, String traceparent, List<Integer> local, String run) {
        public WorkOrder(String jobId, int attempt, String program, Map<String, String> inputs, List<String> outputs, int sentrons,
                         String traceparent) {
            this(jobId, attempt, program, inputs, outputs, sentrons, traceparent, null, null);
        }

        /** The sentrons this order occupies on the agent that takes it. */
        public int sentronsHere() {
            return local == null ? sentrons : local.size();
        }
    }

    /** The agent's answer to a {@link WorkOrder}: accepted, or why not (draining, no free sentrons). */
    public record WorkAck(String node, boolean accepted, String reason) {
    }

    public record Cancel(String jobId, int attempt) {
    }

    public enum Outcome { SUCCEEDED, FAILED, CANCELLED, HANDED_BACK }

    /**
     * How an attempt ended, published to {@link Subjects#result}. {@code outputs} maps the program's output tensors
     * to their objects; {@code stats} is the runtime's telemetry of the run.
     */
    public record WorkResult(String jobId, int attempt, String node, Outcome outcome, String error, Map<String, String> outputs,
                             JsonNode stats, long runNanos) {
    }

    /** A change of a job's status, on {@link Subjects#events}. */
    public record JobEvent(String id, JobStatus status, String node, String error, long at) {
    }
}

package ai.vtpu.cluster.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * A job as the scheduler keeps it in {@link Subjects#JOBS_BUCKET}: the durable truth that a restarted scheduler resumes from.
 *
 * @param inputs the user's input names -> objects (as submitted); after compilation {@code programInputs} maps the
 *               program's tensors (weights included) -> objects
 * @param program the object holding the compiled .siw, null until compiled
 * @param outputNames the program's output tensors -> the names the user fetches them by (ONNX names for ONNX models)
 * @param outputs user output names -> objects, set when the job succeeded
 * @param attempt how many times the job was placed; only the current attempt's result counts
 * @param traceparent the W3C trace context of the job's root span
 * @param nodes how many agents to spread the job over (null: one if one has room, else as few as hold it)
 * @param parts for a job spread over agents: each agent's share of the current attempt; null for a one-agent job
 */
public record JobRecord(String id, JobStatus status, ProgramFormat format, int optLevel, int sentrons, List<String> split,
                        Map<String, String> inputs, String source, String program, Map<String, String> programInputs,
                        Map<String, String> outputNames, Map<String, String> outputs, int attempt, String node, String error,
                        JsonNode stats, long submittedAt, long updatedAt, Long placedAt, Long finishedAt, String traceparent,
                        Integer nodes, List<Part> parts) {

    /** One agent's share of a spread job: its sentrons, and once it finished, its outputs and statistics. */
    public record Part(String node, List<Integer> sentrons, Map<String, String> outputs, JsonNode stats) {
        public boolean done() {
            return outputs != null;
        }
    }

    public JobRecord withStatus(JobStatus s, long now) {
        return new JobRecord(id, s, format, optLevel, sentrons, split, inputs, source, program, programInputs, outputNames,
                outputs, attempt, node, error, stats, submittedAt, now, placedAt, s.terminal() ? Long.valueOf(now) : finishedAt,
                traceparent, nodes, parts);
    }

    /** The same record with other parts (a part finished; or placed anew). */
    public JobRecord withParts(List<Part> p, long now) {
        return new JobRecord(id, status, format, optLevel, sentrons, split, inputs, source, program, programInputs, outputNames,
                outputs, attempt, node, error, stats, submittedAt, now, placedAt, finishedAt, traceparent, nodes, p);
    }

    public JobRecord failed(String why, long now) {
        return new JobRecord(id, JobStatus.FAILED, format, optLevel, sentrons, split, inputs, source, program, programInputs,
                outputNames, outputs, attempt, node, why, stats, submittedAt, now, placedAt, now, traceparent, nodes, parts);
    }

    public JobRecord compiled(String programObject, Map<String, String> progInputs, Map<String, String> outNames, long now) {
        return new JobRecord(id, JobStatus.QUEUED, format, optLevel, sentrons, split, inputs, source, programObject, progInputs,
                outNames, outputs, attempt, node, error, stats, submittedAt, now, placedAt, finishedAt, traceparent, nodes, parts);
    }

    /** Placed on a node: a new attempt. */
    public JobRecord placed(String onNode, long now) {
        return new JobRecord(id, JobStatus.RUNNING, format, optLevel, sentrons, split, inputs, source, program, programInputs,
                outputNames, outputs, attempt + 1, onNode, error, stats, submittedAt, now, now, finishedAt, traceparent, nodes, null);
    }

    /** Placed on several agents, each with its share of the sentrons: a new attempt. */
    public JobRecord placedSpread(List<Part> shares, long now) {
        String on = String.join(",", shares.stream().map(Part::node).toList());
        return new JobRecord(id, JobStatus.RUNNING, format, optLevel, sentrons, split, inputs, source, program, programInputs,
                outputNames, outputs, attempt + 1, on, error, stats, submittedAt, now, now, finishedAt, traceparent, nodes, shares);
    }

    /** Back in the queue (its node died or handed it back); the attempt count stays so the next placement supersedes. */
    public JobRecord requeued(long now) {
        return new JobRecord(id, JobStatus.QUEUED, format, optLevel, sentrons, split, inputs, source, program, programInputs,
                outputNames, outputs, attempt, null, error, stats, submittedAt, now, null, finishedAt, traceparent, nodes, null);
    }

    public JobRecord succeeded(Map<String, String> outs, JsonNode runStats, long now) {
        return new JobRecord(id, JobStatus.SUCCEEDED, format, optLevel, sentrons, split, inputs, source, program, programInputs,
                outputNames, outs, attempt, node, null, runStats, submittedAt, now, placedAt, now, traceparent, nodes, parts);
    }

    public boolean compiledYet() {
        return program != null;
    }
}

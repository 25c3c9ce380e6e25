package ai.vtpu.cluster.protocol;

import java.util.regex.Pattern;

/**
 * The NATS subject catalogue and the JetStream names: every subject, stream, bucket and consumer the services
 * use is spelled here and nowhere else (docs/CLUSTER.md lists them with their payloads).
 */
public final class Subjects {
    /** Request-reply: a {@code JobRequest} in, a {@code SubmitReply} or a {@code Problem} back. */
    public static final String SUBMIT = "vtpu.jobs.submit";
    /** Every job's events ({@code JobEvent}), captured by {@link #EVENTS_STREAM} so late subscribers can replay. */
    public static final String EVENTS_ALL = "vtpu.jobs.*.events";
    /** Node agents' heartbeats ({@code Heartbeat}); the first one of an agent is its registration. */
    public static final String HEARTBEATS_ALL = "vtpu.nodes.*.heartbeat";
    /** Published by a scheduler that has just started: every agent answers with a heartbeat at once. */
    public static final String DISCOVER = "vtpu.nodes.discover";
    /** Work results ({@code WorkResult}), published through JetStream so none is lost while no scheduler runs. */
    public static final String RESULTS_ALL = "vtpu.results.>";

    /** The C pipe of every run announcing its hosts: {@code vtpu.c.<run>.hello} (router-svc builds its routes from them). */
    public static final String C_HELLO_ALL = "vtpu.c.*.hello";
    /** A host leaving a run's C pipe: {@code vtpu.c.<run>.bye}. */
    public static final String C_BYE_ALL = "vtpu.c.*.bye";
    /** A run's C pipe aborted (a sentron failed): {@code vtpu.c.<run>.abort}. */
    public static final String C_ABORT_ALL = "vtpu.c.*.abort";
    /** Prefix of C-pipe traffic sent through router-svc: {@code vtpu.relay.vtpu.c.<run>...} is republished without it. */
    public static final String RELAY_PREFIX = "vtpu.relay.";
    public static final String RELAY_ALL = "vtpu.relay.>";
    /** Request-reply to router-svc: sentron groups ({@code create}, {@code join}, {@code leave}, {@code get}, {@code list}). */
    public static final String GROUPS_PREFIX = "vtpu.groups.";
    /** Request-reply to router-svc: the routing table, optionally of one run. */
    public static final String ROUTES = "vtpu.router.routes";
    /** Queue group of the routers' subscriptions. */
    public static final String ROUTER_QUEUE = "router";
    /** Key-value bucket: group name -> {@code SentronGroup}. */
    public static final String GROUPS_BUCKET = "vtpu-groups";

    public static final String RESULTS_STREAM = "VTPU_RESULTS";
    public static final String EVENTS_STREAM = "VTPU_EVENTS";
    /** Key-value bucket: job id -> {@code JobRecord}. */
    public static final String JOBS_BUCKET = "vtpu-jobs";
    /** Object store: programs, inputs, weights and outputs, chunked by JetStream (no single large message). */
    public static final String TENSORS_BUCKET = "vtpu-tensors";
    /** The scheduler's durable consumer of {@link #RESULTS_STREAM}. */
    public static final String RESULTS_CONSUMER = "scheduler";
    /** Queue group of the schedulers' core-NATS subscriptions (submit requests). */
    public static final String SCHEDULER_QUEUE = "scheduler";

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Subjects() {
    }

    public static String events(String jobId) {
        return "vtpu.jobs." + token(jobId) + ".events";
    }

    public static String heartbeat(String node) {
        return "vtpu.nodes." + token(node) + ".heartbeat";
    }

    /** Request-reply to one agent: a {@code WorkOrder} in, a {@code WorkAck} back. */
    public static String work(String node) {
        return "vtpu.nodes." + token(node) + ".work";
    }

    /** To one agent: a {@code Cancel}. */
    public static String cancel(String node) {
        return "vtpu.nodes." + token(node) + ".cancel";
    }

    /** A subject of run {@code run}'s C pipe: {@code vtpu.c.<run>.<rest>} (rest: {@code s.<sentron>}, {@code g}, ...). */
    public static String cpipe(String run, String rest) {
        return "vtpu.c." + token(run) + "." + rest;
    }

    /** The run of a C-pipe subject, or null. */
    public static String runOf(String cpipeSubject) {
        String[] t = cpipeSubject.split("\\.");
        return t.length >= 3 && t[0].equals("vtpu") && t[1].equals("c") ? t[2] : null;
    }

    public static String result(String jobId) {
        return "vtpu.results." + token(jobId);
    }

    /** Job ids and node names become subject tokens, so they are restricted to characters NATS treats literally. */
    public static boolean isToken(String s) {
        return s != null && TOKEN.matcher(s).matches();
    }

    public static String token(String s) {
        if (!isToken(s)) {
            throw new ClusterException("'" + s + "' is not a valid job or node name: expected 1-64 of A-Z a-z 0-9 _ -");
        }
        return s;
    }
}

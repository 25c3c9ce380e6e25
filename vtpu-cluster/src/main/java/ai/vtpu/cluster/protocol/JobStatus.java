package ai.vtpu.cluster.protocol;

/** A job's life: QUEUED -> COMPILING -> QUEUED (compiled, waiting for a node) -> RUNNING -> one of the terminal states. */
public enum JobStatus {
    QUEUED, COMPILING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}

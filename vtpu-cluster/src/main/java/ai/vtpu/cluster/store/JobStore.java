package ai.vtpu.cluster.store;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Jobs in the JetStream key-value bucket. Every change is a compare-and-set on the entry's revision, so two writers
 * (a scheduler and its restarted successor, or two threads) never overwrite each other's transition.
 */
public final class JobStore {
    private final KeyValue kv;

    public JobStore(Connection nc) {
        try {
            this.kv = nc.keyValue(Subjects.JOBS_BUCKET);
        } catch (IOException e) {
            throw new ClusterException("cannot open bucket " + Subjects.JOBS_BUCKET + ": " + e.getMessage(), e);
        }
    }

    /** Stores a new job; fails if the id exists. */
    public void create(JobRecord job) {
        try {
            kv.create(job.id(), Json.bytes(job));
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot store job " + job.id() + ": " + e.getMessage(), e);
        }
    }

    public Optional<JobRecord> get(String id) {
        if (!Subjects.isToken(id)) {
            return Optional.empty();
        }
        try {
            KeyValueEntry e = kv.get(id);
            return e == null || e.getValue() == null ? Optional.empty()
                    : Optional.of(Json.read(e.getValue(), JobRecord.class, "job " + id));
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot read job " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies {@code change} to the current record and writes it if nobody wrote in between (retrying otherwise).
     * {@code change} returns null to leave the record as it is.
     *
     * @return the record written, or empty if the job does not exist or {@code change} declined
     */
    public Optional<JobRecord> update(String id, UnaryOperator<JobRecord> change) {
        for (int tries = 0; tries < 100; tries++) {
            KeyValueEntry e;
            try {
                e = kv.get(id);
            } catch (IOException | JetStreamApiException ex) {
                throw new ClusterException("cannot read job " + id + ": " + ex.getMessage(), ex);
            }
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            JobRecord next = change.apply(Json.read(e.getValue(), JobRecord.class, "job " + id));
            if (next == null) {
                return Optional.empty();
            }
            try {
                kv.update(id, Json.bytes(next), e.getRevision());
                return Optional.of(next);
            } catch (JetStreamApiException conflict) {
                // wrong last sequence: someone else wrote; read again
            } catch (IOException ex) {
                throw new ClusterException("cannot write job " + id + ": " + ex.getMessage(), ex);
            }
        }
        throw new ClusterException("job " + id + ": 100 concurrent updates in a row; giving up");
    }

    /** All jobs, oldest first. */
    public List<JobRecord> all() {
        List<JobRecord> out = new ArrayList<>();
        try {
            for (String k : kv.keys()) {
                get(k).ifPresent(out::add);
            }
        } catch (IOException | JetStreamApiException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ClusterException("cannot list jobs: " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingLong(JobRecord::submittedAt).thenComparing(JobRecord::id));
        return out;
    }
}

package ai.vtpu.cluster.store;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Jobs in the {@link Subjects#JOBS_BUCKET} bucket; every change a compare-and-set (see {@link KvRecords}). */
public final class JobStore {
    private final KvRecords<JobRecord> records;

    public JobStore(Connection nc) {
        this.records = new KvRecords<>(nc, Subjects.JOBS_BUCKET, JobRecord.class);
    }

    /** Stores a new job; fails if the id exists. */
    public void create(JobRecord job) {
        if (!records.create(job.id(), job)) {
            throw new ClusterException("job " + job.id() + " exists already");
        }
    }

    public Optional<JobRecord> get(String id) {
        return records.get(id);
    }

    /** @see KvRecords#update */
    public Optional<JobRecord> update(String id, UnaryOperator<JobRecord> change) {
        return records.update(id, change);
    }

    public void delete(String id) {
        records.delete(id);
    }

    /** All jobs, oldest first. */
    public List<JobRecord> all() {
        return records.all().stream().sorted(Comparator.comparingLong(JobRecord::submittedAt).thenComparing(JobRecord::id)).toList();
    }
}

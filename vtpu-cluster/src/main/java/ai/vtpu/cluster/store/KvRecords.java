package ai.vtpu.cluster.store;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.KeyValue;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.StorageType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Records as JSON in a JetStream key-value bucket (file storage, one revision per key). Every change is a
 * compare-and-set on the entry's revision, retried when another writer came first, so no two writers (threads,
 * processes, a service and its restarted successor) overwrite each other's change.
 */
public final class KvRecords<T> {
    /** JetStream's "wrong last sequence": the key exists (create) or changed since it was read (update). */
    static final int WRONG_LAST_SEQUENCE = 10071;

    private final KeyValue kv;
    private final Class<T> type;
    private final String bucket;

    public KvRecords(Connection nc, String bucket, Class<T> type) {
        this.type = type;
        this.bucket = bucket;
        try {
            if (!nc.keyValueManagement().getBucketNames().contains(bucket)) {
                try {
                    nc.keyValueManagement().create(KeyValueConfiguration.builder().name(bucket).storageType(StorageType.File)
                            .maxHistoryPerKey(1).build());
                } catch (JetStreamApiException raced) {
                    // created by another service at the same moment
                }
            }
            this.kv = nc.keyValue(bucket);
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot open bucket " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** Stores a new record; false if the key exists. */
    public boolean create(String key, T value) {
        try {
            kv.create(key, Json.bytes(value));
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                return false;
            }
            throw new ClusterException("cannot store " + key + " in " + bucket + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ClusterException("cannot store " + key + " in " + bucket + ": " + e.getMessage(), e);
        }
    }

    public Optional<T> get(String key) {
        if (!Subjects.isToken(key)) {
            return Optional.empty();
        }
        try {
            KeyValueEntry e = kv.get(key);
            return e == null || e.getValue() == null ? Optional.empty() : Optional.of(Json.read(e.getValue(), type, bucket + "/" + key));
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot read " + key + " from " + bucket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Applies {@code change} to the current record and writes the result if nobody wrote in between (else reads
     * again and retries). {@code change} returns null to leave the record as it is.
     *
     * @return the record written; empty if there is none or {@code change} declined
     */
    public Optional<T> update(String key, UnaryOperator<T> change) {
        for (int tries = 0; tries < 100; tries++) {
            KeyValueEntry e;
            try {
                e = kv.get(key);
            } catch (IOException | JetStreamApiException ex) {
                throw new ClusterException("cannot read " + key + " from " + bucket + ": " + ex.getMessage(), ex);
            }
            if (e == null || e.getValue() == null) {
                return Optional.empty();
            }
            T next = change.apply(Json.read(e.getValue(), type, bucket + "/" + key));
            if (next == null) {
                return Optional.empty();
            }
            try {
                kv.update(key, Json.bytes(next), e.getRevision());
                return Optional.of(next);
            } catch (JetStreamApiException ex) {
                if (ex.getApiErrorCode() != WRONG_LAST_SEQUENCE) { // a full store, a record too large: not a race
                    throw new ClusterException("cannot write " + key + " to " + bucket + ": " + ex.getMessage(), ex);
                }
                // someone else wrote since we read: read again
            } catch (IOException ex) {
                throw new ClusterException("cannot write " + key + " to " + bucket + ": " + ex.getMessage(), ex);
            }
        }
        throw new ClusterException(bucket + "/" + key + ": 100 concurrent updates in a row; giving up");
    }

    public void delete(String key) {
        try {
            kv.delete(key);
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot delete " + key + " from " + bucket + ": " + e.getMessage(), e);
        }
    }

    /** Every record, in key order of the bucket. */
    public List<T> all() {
        List<T> out = new ArrayList<>();
        try {
            for (String k : kv.keys()) {
                get(k).ifPresent(out::add);
            }
        } catch (IOException | JetStreamApiException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ClusterException("cannot list " + bucket + ": " + e.getMessage(), e);
        }
        return out;
    }
}

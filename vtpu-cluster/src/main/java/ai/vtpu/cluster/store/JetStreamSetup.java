package ai.vtpu.cluster.store;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.api.KeyValueConfiguration;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.RetentionPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;

/**
 * Creates the streams and buckets of {@link Subjects} when they are missing (idempotent; every service calls it at
 * start, so whichever comes first sets up a fresh NATS server). All file-backed: a NATS restart keeps them.
 */
public final class JetStreamSetup {
    private JetStreamSetup() {
    }

    public static void ensure(Connection nc) {
        try {
            JetStreamManagement jsm = nc.jetStreamManagement();
            step(nc, () -> {
                if (!jsm.getStreamNames().contains(Subjects.RESULTS_STREAM)) {
                    jsm.addStream(StreamConfiguration.builder().name(Subjects.RESULTS_STREAM).subjects(Subjects.RESULTS_ALL)
                            .storageType(StorageType.File).retentionPolicy(RetentionPolicy.Limits).maxAge(Duration.ofDays(7)).build());
                }
            });
            step(nc, () -> {
                if (!jsm.getStreamNames().contains(Subjects.EVENTS_STREAM)) {
                    jsm.addStream(StreamConfiguration.builder().name(Subjects.EVENTS_STREAM).subjects(Subjects.EVENTS_ALL)
                            .storageType(StorageType.File).maxAge(Duration.ofDays(7)).build());
                }
            });
            step(nc, () -> {
                if (!nc.keyValueManagement().getBucketNames().contains(Subjects.JOBS_BUCKET)) {
                    nc.keyValueManagement().create(KeyValueConfiguration.builder().name(Subjects.JOBS_BUCKET)
                            .storageType(StorageType.File).maxHistoryPerKey(1).build());
                }
            });
            step(nc, () -> {
                if (!nc.objectStoreManagement().getBucketNames().contains(Subjects.TENSORS_BUCKET)) {
                    nc.objectStoreManagement().create(ObjectStoreConfiguration.builder(Subjects.TENSORS_BUCKET)
                            .storageType(StorageType.File).build());
                }
            });
        } catch (IOException e) {
            throw new ClusterException("cannot set up JetStream on " + nc.getConnectedUrl() + " (is the server started with -js?): "
                    + e.getMessage(), e);
        }
    }

    private interface Step {
        void run() throws IOException, JetStreamApiException;
    }

    /** One stream or bucket; another service creating the same one at the same moment (error 10058) is fine. */
    private static void step(Connection nc, Step s) throws IOException {
        try {
            s.run();
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != 10058) {
                throw new ClusterException("cannot set up JetStream on " + nc.getConnectedUrl() + ": " + e.getMessage(), e);
            }
        }
    }
}

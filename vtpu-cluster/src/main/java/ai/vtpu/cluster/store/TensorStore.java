package ai.vtpu.cluster.store;

import ai.vtpu.cluster.protocol.ClusterException;
import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.ObjectStore;
import io.nats.client.api.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;

/**
 * Programs and tensors in the JetStream object store: JetStream splits each object into chunks well under the
 * NATS message limit and checks its digest on read, so no tensor travels as one large message.
 */
public final class TensorStore {
    private final ObjectStore os;

    public TensorStore(Connection nc) {
        try {
            this.os = nc.objectStore(Subjects.TENSORS_BUCKET);
        } catch (IOException e) {
            throw new ClusterException("cannot open object store " + Subjects.TENSORS_BUCKET + ": " + e.getMessage(), e);
        }
    }

    public static String jobObject(String jobId, String kind, String name) {
        return "jobs/" + jobId + "/" + kind + "/" + name;
    }

    /** Writing the same bytes again under the same name is harmless, which makes result writes idempotent. */
    public void put(String name, byte[] bytes) {
        try {
            os.put(name, new ByteArrayInputStream(bytes));
        } catch (IOException | JetStreamApiException | java.security.NoSuchAlgorithmException e) {
            throw new ClusterException("cannot store object " + name + ": " + e.getMessage(), e);
        }
    }

    public Optional<byte[]> find(String name) {
        try {
            ObjectInfo info = os.getInfo(name);
            if (info == null || info.isDeleted()) {
                return Optional.empty();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, info.getSize()));
            os.get(name, out);
            return Optional.of(out.toByteArray());
        } catch (IOException | JetStreamApiException | java.security.NoSuchAlgorithmException e) {
            throw new ClusterException("cannot read object " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while reading " + name, e);
        }
    }

    public byte[] get(String name) {
        return find(name).orElseThrow(() -> new ClusterException("object " + name + " is missing from " + Subjects.TENSORS_BUCKET));
    }

    /** Names of every object (deleted ones left out). */
    public java.util.List<String> names() {
        try {
            return os.getList().stream().filter(i -> !i.isDeleted()).map(ObjectInfo::getObjectName).toList();
        } catch (IOException | JetStreamApiException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ClusterException("cannot list " + Subjects.TENSORS_BUCKET + ": " + e.getMessage(), e);
        }
    }

    public void delete(String name) {
        try {
            os.delete(name);
        } catch (IOException | JetStreamApiException e) {
            throw new ClusterException("cannot delete object " + name + ": " + e.getMessage(), e);
        }
    }
}

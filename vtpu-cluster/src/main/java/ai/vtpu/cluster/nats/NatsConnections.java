package ai.vtpu.cluster.nats;

import ai.vtpu.cluster.protocol.ClusterException;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.io.IOException;
import java.time.Duration;

/** How every vTPU process connects to NATS: named, reconnecting forever, so a NATS restart is ridden out. */
public final class NatsConnections {
    private NatsConnections() {
    }

    /** Closes {@code nc}, waiting for its buffered messages; an interrupt is kept for the caller. */
    public static void close(Connection nc) {
        try {
            nc.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static Connection connect(String url, String name) {
        return connect(url, name, true);
    }

    /**
     * @param echo whether this connection receives its own messages on subjects it subscribes to; node agents connect
     *             without (their C pipe keeps its own group messages in memory instead of taking them back from the server)
     */
    public static Connection connect(String url, String name, boolean echo) {
        Options.Builder b = Options.builder().server(url).connectionName(name).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(250)).connectionTimeout(Duration.ofSeconds(5));
        if (!echo) {
            b.noEcho();
        }
        Options o = b.build();
        try {
            return Nats.connect(o);
        } catch (IOException e) {
            throw new ClusterException("cannot connect to NATS at " + url + ": " + e.getMessage()
                    + " (is nats-server running there with -js?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterException("interrupted while connecting to NATS at " + url, e);
        }
    }
}

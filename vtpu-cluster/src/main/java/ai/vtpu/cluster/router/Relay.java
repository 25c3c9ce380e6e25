package ai.vtpu.cluster.router;

import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Relays C-pipe traffic that cannot go directly: a frame published to {@code vtpu.relay.<subject>} is republished
 * on {@code <subject>}, in order. Several routers share the work as a queue group (order holds per publisher only
 * with one router; run one relay per account boundary).
 */
public final class Relay implements AutoCloseable {
    private final Connection nc;
    private final Dispatcher dispatcher;
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    public Relay(Connection nc) {
        this.nc = nc;
        this.dispatcher = nc.createDispatcher(m -> {
            String to = m.getSubject().substring(Subjects.RELAY_PREFIX.length());
            if (to.startsWith("vtpu.c.")) { // only C-pipe subjects: the relay is no open proxy
                nc.publish(to, m.getData());
                frames.incrementAndGet();
                bytes.addAndGet(m.getData().length);
            }
        });
        dispatcher.setPendingLimits(-1, -1);
        dispatcher.subscribe(Subjects.RELAY_ALL, Subjects.ROUTER_QUEUE);
    }

    public long frames() {
        return frames.get();
    }

    public long bytes() {
        return bytes.get();
    }

    @Override
    public void close() {
        nc.closeDispatcher(dispatcher);
    }
}

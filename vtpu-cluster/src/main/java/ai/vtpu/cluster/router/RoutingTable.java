package ai.vtpu.cluster.router;

import ai.vtpu.cluster.protocol.Subjects;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The routes of the C pipe: sentron of a run -> host and subject, learnt from the hellos every host of a run says
 * when it joins, and dropped when it says bye. Senders do not need it (they address sentrons by subject); it is
 * what operators and relays look at. A run that aborts (a sentron failed, or a host died and the others were
 * stopped) leaves the table whole, so a host that died without saying bye does not stay listed.
 */
public final class RoutingTable implements AutoCloseable {
    private record Key(String run, int sentron) {
    }

    private final Map<Key, Route> routes = new ConcurrentHashMap<>();
    private final Connection nc;
    private final Dispatcher dispatcher;

    public RoutingTable(Connection nc) {
        this.nc = nc;
        this.dispatcher = nc.createDispatcher(m -> {
            String run = Subjects.runOf(m.getSubject());
            if (run == null) {
                return;
            }
            String text = new String(m.getData(), StandardCharsets.UTF_8);
            if (m.getSubject().endsWith(".hello")) {
                hello(run, text);
            } else if (m.getSubject().endsWith(".abort")) {
                // The run is over on every host, including one that died without a bye.
                routes.keySet().removeIf(k -> k.run().equals(run));
            } else {
                bye(run, text);
            }
        });
        dispatcher.subscribe(Subjects.C_HELLO_ALL);
        dispatcher.subscribe(Subjects.C_BYE_ALL);
        dispatcher.subscribe(Subjects.C_ABORT_ALL);
    }

    void hello(String run, String text) {
        String[] p = text.split(";", 3);
        if (p.length < 2) {
            return;
        }
        String host = p.length == 3 ? p[2] : "unknown";
        long now = System.currentTimeMillis();
        for (String s : p[1].split(",")) {
            if (!s.isEmpty()) {
                int sentron = Integer.parseInt(s);
                routes.putIfAbsent(new Key(run, sentron), new Route(run, sentron, host, Subjects.cpipe(run, "s." + sentron), now));
            }
        }
    }

    void bye(String run, String text) {
        for (String s : text.split(",")) {
            if (!s.isEmpty()) {
                routes.remove(new Key(run, Integer.parseInt(s)));
            }
        }
    }

    /** Every route, or those of one run, by run and sentron. */
    public List<Route> routes(String run) {
        return routes.values().stream().filter(r -> run == null || r.run().equals(run))
                .sorted(Comparator.comparing(Route::run).thenComparingInt(Route::sentron)).toList();
    }

    @Override
    public void close() {
        nc.closeDispatcher(dispatcher);
    }
}

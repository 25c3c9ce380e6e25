package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node agents as their heartbeats describe them. A node is alive while it heartbeats within the timeout and has
 * not said it is leaving. Sentrons the scheduler has just handed out count as busy until a heartbeat shows them.
 */
public final class NodeRegistry {
    /** What the scheduler knows of a node. */
    public record Node(Heartbeat last, long seenNanos, int reserved) {
        public int free() {
            return Math.max(0, last.sentronsFree() - reserved);
        }
    }

    public enum Health { UP, LEAVING, DOWN }

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final long timeoutNanos;

    public NodeRegistry(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    public void heard(Heartbeat hb) {
        // A heartbeat reports what runs there, so reservations made before it was sent are now in it.
        nodes.put(hb.node(), new Node(hb, System.nanoTime(), 0));
    }

    public Health health(String node) {
        Node n = nodes.get(node);
        if (n == null || System.nanoTime() - n.seenNanos() > timeoutNanos) {
            return Health.DOWN;
        }
        return n.last().leaving() ? Health.LEAVING : Health.UP;
    }

    public Optional<Node> get(String node) {
        return Optional.ofNullable(nodes.get(node));
    }

    /** The live node with the most free sentrons that can take {@code sentrons}, reserving them. */
    public synchronized Optional<String> place(int sentrons) {
        Optional<Node> best = nodes.values().stream().filter(n -> health(n.last().node()) == Health.UP)
                .filter(n -> n.free() >= sentrons)
                .max(Comparator.comparingInt(Node::free).thenComparing(n -> n.last().node(), Comparator.reverseOrder()));
        best.ifPresent(n -> nodes.computeIfPresent(n.last().node(), (k, v) -> new Node(v.last(), v.seenNanos(), v.reserved() + sentrons)));
        return best.map(n -> n.last().node());
    }

    /**
     * Spreads {@code sentrons} over live nodes, those with the most free sentrons first: over exactly {@code count}
     * nodes if given, else over as few as hold them. Reserves and returns node -> how many; empty if they do not fit.
     */
    public synchronized Optional<java.util.LinkedHashMap<String, Integer>> spread(int sentrons, Integer count) {
        List<Node> up = nodes.values().stream().filter(n -> health(n.last().node()) == Health.UP && n.free() > 0)
                .sorted(Comparator.comparingInt(Node::free).reversed().thenComparing(n -> n.last().node())).toList();
        int k = count != null ? count : 0;
        if (count != null && up.size() < count) {
            return Optional.empty();
        }
        java.util.LinkedHashMap<String, Integer> take = new java.util.LinkedHashMap<>();
        int left = sentrons;
        List<Node> use = count != null ? up.subList(0, count) : up;
        for (int i = 0; i < use.size() && left > 0; i++) {
            Node n = use.get(i);
            // With a node count, leave at least one sentron for each node still to come.
            int rest = count != null ? use.size() - i - 1 : 0;
            int here = Math.min(n.free(), left - rest);
            if (here <= 0) {
                return Optional.empty();
            }
            take.put(n.last().node(), here);
            left -= here;
        }
        if (left > 0 || (k > 0 && take.size() != k)) {
            return Optional.empty();
        }
        take.forEach((node, c) -> nodes.computeIfPresent(node, (x, v) -> new Node(v.last(), v.seenNanos(), v.reserved() + c)));
        return Optional.of(take);
    }

    /** The sentrons free on all live nodes together. */
    public int freeInAll() {
        return nodes.values().stream().filter(n -> health(n.last().node()) == Health.UP).mapToInt(Node::free).sum();
    }

    /** The sentrons of all live nodes together. */
    public int totalInAll() {
        return nodes.values().stream().filter(n -> health(n.last().node()) != Health.DOWN).mapToInt(n -> n.last().sentrons()).sum();
    }

    public synchronized void release(String node, int sentrons) {
        nodes.computeIfPresent(node, (k, v) -> new Node(v.last(), v.seenNanos(), Math.max(0, v.reserved() - sentrons)));
    }

    /** The most sentrons any live node has in all. */
    public int largest() {
        return nodes.values().stream().filter(n -> health(n.last().node()) != Health.DOWN).mapToInt(n -> n.last().sentrons()).max().orElse(0);
    }

    /** All nodes heard of, down ones included (until forgotten), by name. */
    public List<Node> all() {
        return nodes.values().stream().sorted(Comparator.comparing(n -> n.last().node())).toList();
    }

    /** Drops nodes silent for ten timeouts, so the list does not grow with every agent that ever ran. */
    public void forgetSilent() {
        long now = System.nanoTime();
        nodes.values().removeIf(n -> now - n.seenNanos() > 10 * timeoutNanos);
    }
}

package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.Messages.Heartbeat;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node agents as their heartbeats describe them. A node is alive while it heartbeats within the timeout and has
 * not said it is leaving. Sentrons handed out for an attempt ({@code job#attempt}) count as busy until a heartbeat
 * lists that attempt among the node's running work (then its own count has them) or the attempt ends.
 */
public final class NodeRegistry {
    /**
     * What the scheduler knows of a node.
     *
     * @param seenMillis when the last heartbeat arrived, on the scheduler's clock
     * @param reserved attempts placed here and not yet in a heartbeat -> their sentrons
     */
    public record Node(Heartbeat last, long seenNanos, long seenMillis, Map<String, Integer> reserved) {
        public int free() {
            int held = reserved.entrySet().stream().filter(e -> !last.running().contains(e.getKey())).mapToInt(Map.Entry::getValue).sum();
            return Math.max(0, last.sentronsFree() - held);
        }
    }

    public enum Health { UP, LEAVING, DOWN }

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();
    private final long timeoutNanos;

    public NodeRegistry(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    public synchronized void heard(Heartbeat hb) {
        Node old = nodes.get(hb.node());
        Map<String, Integer> keep = new LinkedHashMap<>();
        if (old != null) {
            // Attempts the heartbeat lists are in its busy count now; the others are still on their way to the agent.
            old.reserved().forEach((k, v) -> {
                if (!hb.running().contains(k)) {
                    keep.put(k, v);
                }
            });
        }
        nodes.put(hb.node(), new Node(hb, System.nanoTime(), System.currentTimeMillis(), Map.copyOf(keep)));
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

    private void reserve(String node, String attempt, int sentrons) {
        nodes.computeIfPresent(node, (k, v) -> {
            Map<String, Integer> r = new LinkedHashMap<>(v.reserved());
            r.merge(attempt, sentrons, Integer::sum);
            return new Node(v.last(), v.seenNanos(), v.seenMillis(), Map.copyOf(r));
        });
    }

    /** The live node with the most free sentrons that can take {@code sentrons}, reserved for {@code attempt}. */
    public synchronized Optional<String> place(String attempt, int sentrons) {
        Optional<Node> best = nodes.values().stream().filter(n -> health(n.last().node()) == Health.UP)
                .filter(n -> n.free() >= sentrons)
                .max(Comparator.comparingInt(Node::free).thenComparing(n -> n.last().node(), Comparator.reverseOrder()));
        best.ifPresent(n -> reserve(n.last().node(), attempt, sentrons));
        return best.map(n -> n.last().node());
    }

    /**
     * Spreads {@code sentrons} over live nodes, those with the most free sentrons first: over exactly {@code count}
     * nodes if given, else over as few as hold them. Reserves them for {@code attempt} and returns node -> how many;
     * empty if they do not fit.
     */
    public synchronized Optional<LinkedHashMap<String, Integer>> spread(String attempt, int sentrons, Integer count) {
        List<Node> up = nodes.values().stream().filter(n -> health(n.last().node()) == Health.UP && n.free() > 0)
                .sorted(Comparator.comparingInt(Node::free).reversed().thenComparing(n -> n.last().node())).toList();
        if (count != null && up.size() < count) {
            return Optional.empty();
        }
        LinkedHashMap<String, Integer> take = new LinkedHashMap<>();
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
        if (left > 0 || (count != null && take.size() != count)) {
            return Optional.empty();
        }
        take.forEach((node, c) -> reserve(node, attempt, c));
        return Optional.of(take);
    }

    /** The sentrons of all live nodes together. */
    public int totalInAll() {
        return nodes.values().stream().filter(n -> health(n.last().node()) != Health.DOWN).mapToInt(n -> n.last().sentrons()).sum();
    }

    /** The attempt ended (or never started) on {@code node}: its reservation goes. */
    public synchronized void release(String node, String attempt) {
        nodes.computeIfPresent(node, (k, v) -> {
            Map<String, Integer> r = new LinkedHashMap<>(v.reserved());
            r.remove(attempt);
            return new Node(v.last(), v.seenNanos(), v.seenMillis(), Map.copyOf(r));
        });
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

package ai.vtpu.cluster.router;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.Subjects;
import ai.vtpu.cluster.store.KvRecords;
import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Sentron groups, durable in a JetStream key-value bucket; every change a compare-and-set, so concurrent joins and
 * leaves (from REST and NATS, several routers) are never lost. Bad names and members are {@link ApiException}s.
 */
public final class GroupRegistry {
    private final KvRecords<SentronGroup> records;

    public GroupRegistry(Connection nc) {
        this.records = new KvRecords<>(nc, Subjects.GROUPS_BUCKET, SentronGroup.class);
    }

    private static String name(String name) {
        if (!Subjects.isToken(name)) {
            throw ApiException.badRequest("/name", "'" + name + "' is not a valid group name: expected 1-64 of A-Z a-z 0-9 _ -");
        }
        return name;
    }

    private static SentronGroup.Member member(SentronGroup.Member m, String field) {
        if (m == null || !Subjects.isToken(m.node())) {
            throw ApiException.badRequest(field + "/node", "expected a node agent's name (1-64 of A-Z a-z 0-9 _ -)");
        }
        if (m.sentron() < 0 || m.sentron() > 4095) {
            throw ApiException.badRequest(field + "/sentron", "expected a sentron number 0..4095, got " + m.sentron());
        }
        return m;
    }

    public SentronGroup create(String name, List<SentronGroup.Member> members) {
        name(name);
        List<SentronGroup.Member> ms = new ArrayList<>();
        for (int i = 0; i < (members == null ? 0 : members.size()); i++) {
            SentronGroup.Member m = member(members.get(i), "/members/" + i);
            if (!ms.contains(m)) {
                ms.add(m);
            }
        }
        long now = System.currentTimeMillis();
        SentronGroup g = new SentronGroup(name, List.copyOf(ms), now, now);
        if (!records.create(name, g)) {
            throw ApiException.conflict("group " + name + " exists");
        }
        return g;
    }

    public Optional<SentronGroup> get(String name) {
        return records.get(name);
    }

    public List<SentronGroup> list() {
        return records.all().stream().sorted(Comparator.comparing(SentronGroup::name)).toList();
    }

    /** Adds a member (a member already in is fine: joining is idempotent). */
    public SentronGroup join(String name, SentronGroup.Member m) {
        member(m, "");
        return change(name, g -> g.members().contains(m) ? g : with(g, add(g.members(), m)));
    }

    /** Removes a member (one not in is fine: leaving is idempotent). */
    public SentronGroup leave(String name, SentronGroup.Member m) {
        member(m, "");
        return change(name, g -> with(g, g.members().stream().filter(x -> !x.equals(m)).toList()));
    }

    public void delete(String name) {
        get(name).orElseThrow(() -> ApiException.notFound("no group " + name));
        records.delete(name);
    }

    private static List<SentronGroup.Member> add(List<SentronGroup.Member> ms, SentronGroup.Member m) {
        List<SentronGroup.Member> out = new ArrayList<>(ms);
        out.add(m);
        return List.copyOf(out);
    }

    private static SentronGroup with(SentronGroup g, List<SentronGroup.Member> ms) {
        return new SentronGroup(g.name(), ms, g.createdAt(), System.currentTimeMillis());
    }

    private SentronGroup change(String name, java.util.function.UnaryOperator<SentronGroup> f) {
        name(name);
        return records.update(name, f).orElseThrow(() -> ApiException.notFound("no group " + name));
    }
}

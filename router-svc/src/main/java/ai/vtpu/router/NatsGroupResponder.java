package ai.vtpu.router;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.Subjects;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Groups and routes over NATS, request-reply in queue group {@code router}: {@code vtpu.groups.create}
 * ({"name", "members"?}), {@code .join} / {@code .leave} ({"name", "node", "sentron"}), {@code .get} ({"name"}),
 * {@code .list}, and {@code vtpu.router.routes} ({"run"?}). Replies are the REST answers' JSON, or a problem.
 */
@Startup
@ApplicationScoped
public class NatsGroupResponder {
    @Inject
    RouterService router;

    private Dispatcher dispatcher;

    @PostConstruct
    void start() {
        dispatcher = router.connection().createDispatcher(this::onRequest);
        dispatcher.subscribe(Subjects.GROUPS_PREFIX + "*", Subjects.ROUTER_QUEUE);
        dispatcher.subscribe(Subjects.ROUTES, Subjects.ROUTER_QUEUE);
    }

    void onRequest(Message m) {
        Object reply;
        try {
            reply = answer(m.getSubject(), m.getData());
        } catch (RuntimeException e) {
            reply = ApiException.problemOf(e, m.getSubject());
        }
        if (m.getReplyTo() != null) {
            router.connection().publish(m.getReplyTo(), Json.bytes(reply));
        }
    }

    private Object answer(String subject, byte[] data) {
        if (subject.equals(Subjects.ROUTES)) {
            JsonNode o = data.length == 0 ? null : GroupRequests.object(data);
            return router.routes().routes(o == null || !o.hasNonNull("run") ? null : o.get("run").asText());
        }
        String verb = subject.substring(Subjects.GROUPS_PREFIX.length());
        if (verb.equals("list")) {
            return router.groups().list();
        }
        JsonNode o = GroupRequests.object(data);
        String name = GroupRequests.text(o, "name");
        return switch (verb) {
            case "create" -> router.groups().create(name, GroupRequests.members(o));
            case "get" -> router.groups().get(name).orElseThrow(() -> ApiException.notFound("no group " + name));
            case "join" -> router.groups().join(name, GroupRequests.member(o, ""));
            case "leave" -> router.groups().leave(name, GroupRequests.member(o, ""));
            default -> throw ApiException.badRequest("", "unknown request " + subject + "; expected " + Subjects.GROUPS_PREFIX
                    + "create, join, leave, get or list");
        };
    }
}

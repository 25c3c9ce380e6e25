package ai.vtpu.router;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.router.SentronGroup;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads group requests (REST bodies and NATS requests alike), field by field, so a mistake names its JSON pointer. */
final class GroupRequests {

    private GroupRequests() {
    }

    static JsonNode object(byte[] body) {
        JsonNode n;
        try {
            n = body == null || body.length == 0 ? null : Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("", "malformed JSON: " + e.getMessage().split("\n")[0]);
        }
        if (n == null || !n.isObject()) {
            throw ApiException.badRequest("", "expected a JSON object");
        }
        return n;
    }

    static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw ApiException.badRequest("/" + field, "expected a string");
        }
        return n.asText();
    }

    static SentronGroup.Member member(JsonNode o, String at) {
        if (o == null || !o.isObject()) {
            throw ApiException.badRequest(at, "expected {\"node\": NAME, \"sentron\": N}");
        }
        JsonNode node = o.get("node");
        JsonNode sentron = o.get("sentron");
        if (node == null || !node.isTextual()) {
            throw ApiException.badRequest(at + "/node", "expected the node agent's name");
        }
        if (sentron == null || !sentron.isInt()) {
            throw ApiException.badRequest(at + "/sentron", "expected a sentron number");
        }
        return new SentronGroup.Member(node.asText(), sentron.asInt());
    }

    static List<SentronGroup.Member> members(JsonNode o) {
        List<SentronGroup.Member> out = new ArrayList<>();
        JsonNode ms = o.get("members");
        if (ms == null || ms.isNull()) {
            return out;
        }
        if (!ms.isArray()) {
            throw ApiException.badRequest("/members", "expected an array of {\"node\", \"sentron\"}");
        }
        for (int i = 0; i < ms.size(); i++) {
            out.add(member(ms.get(i), "/members/" + i));
        }
        return out;
    }
}

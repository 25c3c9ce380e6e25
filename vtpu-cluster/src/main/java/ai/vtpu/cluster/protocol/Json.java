package ai.vtpu.cluster.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** The one JSON mapping of the cluster messages: records as objects, nulls left out, unknown fields tolerated (newer peers). */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {
    }

    public static byte[] bytes(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new ClusterException("cannot write " + o.getClass().getSimpleName() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** {@code s} as a JSON string literal, quotes and escapes included. */
    public static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new ClusterException("cannot write a string as JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T read(byte[] b, Class<T> type, String where) {
        try {
            return MAPPER.readValue(b, type);
        } catch (IOException e) {
            throw new ClusterException(where + ": expected a " + type.getSimpleName() + " as JSON (" + e.getMessage() + ")", e);
        }
    }
}

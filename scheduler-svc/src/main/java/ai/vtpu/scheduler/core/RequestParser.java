package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.ApiException;
import ai.vtpu.cluster.protocol.Json;
import ai.vtpu.cluster.protocol.ProgramFormat;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads the submission JSON (the same over REST and NATS) field by field, so each mistake is reported with its JSON
 * pointer and what was expected, never as a generic 400.
 */
public final class RequestParser {
    private static final int MAX_SENTRONS = 4096;

    private final long maxBytes;

    /** @param maxBytes the largest request accepted (413 beyond) */
    public RequestParser(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public JobRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("", "empty body; expected a JSON object {\"program\": {\"format\", \"data\"}, \"inputs\": {...}}");
        }
        checkSize(body.length);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw ApiException.badRequest("", "malformed JSON at line " + (loc == null ? "?" : loc.getLineNr()) + ", column "
                    + (loc == null ? "?" : loc.getColumnNr()) + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("", "unreadable body: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("", "expected a JSON object at the top level");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("program", "inputs", "sentrons", "optLevel", "split", "nodes").contains(f)) {
                throw ApiException.badRequest("/" + f, "unknown field '" + f + "'; expected program, inputs, sentrons, optLevel, split, nodes");
            }
        }
        JsonNode program = root.get("program");
        if (program == null || !program.isObject()) {
            throw ApiException.badRequest("/program", "expected an object {\"format\": \"onnx\" | \"ir\" | \"siwa\" | \"siw\", \"data\": ...}");
        }
        JsonNode fmt = program.get("format");
        String formats = Arrays.stream(ProgramFormat.values()).map(ProgramFormat::wire).collect(Collectors.joining(", "));
        if (fmt == null || !fmt.isTextual()) {
            throw ApiException.badRequest("/program/format", "expected a string, one of " + formats);
        }
        ProgramFormat format = ProgramFormat.of(fmt.asText()).orElseThrow(() -> ApiException.badRequest("/program/format",
                "unknown format '" + fmt.asText() + "'; expected one of " + formats));
        JsonNode data = program.get("data");
        if (data == null || !data.isTextual()) {
            throw ApiException.badRequest("/program/data", format.binary() ? "expected the file as a base64 string"
                    : "expected the program text as a string");
        }
        byte[] programBytes = format.binary() ? base64(data.asText(), "/program/data")
                : data.asText().getBytes(StandardCharsets.UTF_8);

        Map<String, byte[]> inputBytes = new LinkedHashMap<>();
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        JsonNode in = root.get("inputs");
        if (in != null && !in.isNull()) {
            if (!in.isObject()) {
                throw ApiException.badRequest("/inputs", "expected an object mapping input names to base64 .npy files");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
                var e = it.next();
                String ptr = "/inputs/" + e.getKey().replace("~", "~0").replace("/", "~1");
                if (!e.getValue().isTextual()) {
                    throw ApiException.badRequest(ptr, "expected the .npy file as a base64 string");
                }
                byte[] npy = base64(e.getValue().asText(), ptr);
                try {
                    inputs.put(e.getKey(), Npy.parse(npy, e.getKey()));
                } catch (VtpuRuntimeException | IllegalArgumentException bad) {
                    throw ApiException.badRequest(ptr, "not a valid .npy file: " + bad.getMessage());
                }
                inputBytes.put(e.getKey(), npy);
            }
        }
        int sentrons = intField(root, "sentrons", 1, 1, MAX_SENTRONS);
        int opt = intField(root, "optLevel", 2, 0, 3);
        List<String> split = new ArrayList<>();
        JsonNode sp = root.get("split");
        if (sp != null && !sp.isNull()) {
            if (!sp.isArray()) {
                throw ApiException.badRequest("/split", "expected an array of input names");
            }
            for (int i = 0; i < sp.size(); i++) {
                if (!sp.get(i).isTextual()) {
                    throw ApiException.badRequest("/split/" + i, "expected an input name (a string)");
                }
                split.add(sp.get(i).asText());
            }
        }
        Integer nodes = root.hasNonNull("nodes") ? intField(root, "nodes", 1, 1, 64) : null;
        if (nodes != null && nodes > sentrons) {
            throw ApiException.badRequest("/nodes", "cannot spread " + sentrons + " sentron(s) over " + nodes + " node agents");
        }
        return new JobRequest(format, programBytes, inputBytes, inputs, sentrons, opt, List.copyOf(split), nodes);
    }

    public void checkSize(long bytes) {
        if (bytes > maxBytes) {
            throw new ApiException(413, "Payload too large", "the request has " + bytes + " bytes; the limit is " + maxBytes
                    + " (vtpu.api.max-request-bytes)", null);
        }
    }

    private static int intField(JsonNode root, String name, int dflt, int min, int max) {
        JsonNode n = root.get(name);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isInt() || n.asInt() < min || n.asInt() > max) {
            throw ApiException.badRequest("/" + name, "expected an integer " + min + ".." + max + ", got " + n);
        }
        return n.asInt();
    }

    private static byte[] base64(String s, String ptr) {
        try {
            return Base64.getDecoder().decode(s.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(ptr, "not valid base64: " + e.getMessage());
        }
    }
}

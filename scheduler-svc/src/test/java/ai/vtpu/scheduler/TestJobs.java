package ai.vtpu.scheduler;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/** Programs, inputs and request bodies the scheduler tests submit. */
final class TestJobs {
    private TestJobs() {
    }

    static String example(String name) {
        try {
            return Files.readString(Path.of("..", "examples", name));
        } catch (IOException e) {
            throw new AssertionError("examples/" + name + " is missing: " + e.getMessage());
        }
    }

    /** A job that takes a while: {@code n} trivial SIWs in a counted loop (about 2e7 per second here), then one tile out. */
    static String spin(long n) {
        return """
                .tensor X f32[8, 8] @1.1.1/1.1.1/1.1.1 input
                .tensor Y f32[8, 8] @1.1.1/1.1.1/1.1.2 output
                        S: SLI R1, %d ^0
                        wait s0 | S: CSET P0, Y
                loop:   D: FILL T0, 8x8, 1.0 | C: LOOP R1, loop
                        S: GATHER T1, P0, 8x8 ^1
                        wait s1 | D: ADD T2, T0, T1
                        S: SCATTER T2, P0, 8x8 ^2
                        wait s2
                """.formatted(n);
    }

    static HostTensor random(long seed, int... shape) {
        return HostTensor.gaussian(new Random(seed), java.util.Arrays.stream(shape).boxed().toList());
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static String npy64(HostTensor t) {
        return b64(Npy.toBytes(t));
    }

    /** The submission JSON; {@code data} is text for text formats and base64 for binary ones. */
    static String body(String format, String data, Map<String, HostTensor> inputs, String extra) {
        String in = inputs.entrySet().stream().map(e -> "\"" + e.getKey() + "\": \"" + npy64(e.getValue()) + "\"")
                .collect(Collectors.joining(", "));
        return "{\"program\": {\"format\": \"" + format + "\", \"data\": " + quote(data) + "}, \"inputs\": {" + in + "}"
                + (extra == null ? "" : ", " + extra) + "}";
    }

    static String quote(String s) {
        return ai.vtpu.cluster.protocol.Json.quote(s);
    }

    static Program assemble(String siwa) {
        return Assembler.assemble(siwa, "test.siwa").program();
    }

    static List<Integer> shape(int... d) {
        return java.util.Arrays.stream(d).boxed().toList();
    }
}

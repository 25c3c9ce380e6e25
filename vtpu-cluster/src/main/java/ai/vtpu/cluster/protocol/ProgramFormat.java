package ai.vtpu.cluster.protocol;

import java.util.Arrays;
import java.util.Optional;

/** What a job's program is: an ONNX model or IR text (compiled by phextcc), or SIW assembly text or a .siw file (run as is). */
public enum ProgramFormat {
    ONNX("onnx", true), IR("ir", false), SIWA("siwa", false), SIW("siw", true);

    private final String wire;
    private final boolean binary;

    ProgramFormat(String wire, boolean binary) {
        this.wire = wire;
        this.binary = binary;
    }

    /** The name in JSON. */
    public String wire() {
        return wire;
    }

    /** Binary formats travel as base64; text formats as the text itself (base64 is also accepted). */
    public boolean binary() {
        return binary;
    }

    public static Optional<ProgramFormat> of(String wire) {
        return Arrays.stream(values()).filter(f -> f.wire.equals(wire)).findFirst();
    }
}

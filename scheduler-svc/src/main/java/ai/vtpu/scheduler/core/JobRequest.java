package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.ProgramFormat;
import ai.vtpu.runtime.exec.HostTensor;
import java.util.List;
import java.util.Map;

/**
 * A submission, checked for form: the program's bytes, the inputs parsed from their .npy files (and their bytes, kept
 * as sent), the sentron count, the optimisation tier and the inputs to split among sentrons.
 */
public record JobRequest(ProgramFormat format, byte[] program, Map<String, byte[]> inputBytes, Map<String, HostTensor> inputs,
                         int sentrons, int optLevel, List<String> split) {
}

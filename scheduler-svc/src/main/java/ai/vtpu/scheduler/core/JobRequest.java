package ai.vtpu.scheduler.core;

import ai.vtpu.cluster.protocol.ProgramFormat;
import ai.vtpu.runtime.exec.HostTensor;
import java.util.List;
import java.util.Map;

/**
 * A submission, checked for form: the program's bytes, the inputs parsed from their .npy files (and their bytes, kept
 * as sent), the sentron count, the optimisation tier, the inputs to split among sentrons, and how many node agents to
 * spread the sentrons over (null: one if one has room, else as few as hold them).
 */
public record JobRequest(ProgramFormat format, byte[] program, Map<String, byte[]> inputBytes, Map<String, HostTensor> inputs,
                         int sentrons, int optLevel, List<String> split, Integer nodes) {
}

package ai.vtpu.runtime.exec;

import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.runtime.telemetry.OpTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Time and count per opcode, added to where a pipe already reads the clock around each op (no extra clock
 * reads). Written by one thread; read after that thread's ops have retired.
 */
final class OpClock {
    private static final Opcode[] OPCODES = Opcode.values();
    private final long[] nanos = new long[OPCODES.length];
    private final long[] counts = new long[OPCODES.length];

    void add(Opcode op, long elapsed) {
        nanos[op.ordinal()] += elapsed;
        counts[op.ordinal()]++;
    }

    /** The summed time of every opcode. */
    long total() {
        long t = 0;
        for (long n : nanos) {
            t += n;
        }
        return t;
    }

    /** The opcodes that ran, in opcode order. */
    List<OpTime> times(String pipe) {
        List<OpTime> out = new ArrayList<>();
        for (int i = 0; i < OPCODES.length; i++) {
            if (counts[i] > 0) {
                out.add(new OpTime(pipe, OPCODES[i].name(), counts[i], nanos[i]));
            }
        }
        return out;
    }
}

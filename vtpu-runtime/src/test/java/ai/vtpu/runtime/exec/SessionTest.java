package ai.vtpu.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A loaded program keeps its weights resident and starts every run from the ISA's initial state. */
class SessionTest {
    private static HostTensor random(long seed, int... shape) {
        return HostTensor.gaussian(new Random(seed), java.util.Arrays.stream(shape).boxed().toList());
    }

    @Test
    void weightsSetOnceServeManyRunsWithTheSameResultsAsFreshRuns() {
        Program mlp = MachineTest.example("mlp.siwa");
        HostTensor w = random(1, 256, 128);
        HostTensor b = random(2, 1, 128);
        try (Machine.Session s = Machine.open(mlp, Machine.Options.of(2))) {
            s.set("W", w);
            s.set("b", b);
            for (int i = 0; i < 3; i++) {
                HostTensor x = random(10 + i, 128, 256);
                s.set("x", x);
                float[] session = s.run().outputs().get("y").data();
                float[] fresh = Machine.run(mlp, Map.of("x", x, "W", w, "b", b), Machine.Options.of(2)).outputs().get("y").data();
                assertArrayEquals(fresh, session, "run " + i);
            }
        }
    }

    @Test
    void pagesAllocatedByARunAreFreedBeforeTheNextAndScratchStartsAtZero() {
        String src = """
                .tensor out f32[1, 4] @1.1.1/1.1.1/1.1.1 output
                .tensor acc f32[1, 4] @1.1.1/1.1.1/1.1.2 scratch
                S: CSET P1, 2.1.1/1.1.1/1.1.1
                S: ALLOC P1, f32, 1x4
                S: CSET P2, acc
                D: FILL T1, 1x4, 1.0
                S: SCATTER T1, P2, 1x4, add
                S: GATHER T2, P2, 1x4 ^0
                S: CSET P0, out
                wait s0 | S: SCATTER T2, P0, 1x4
                """;
        Program p = Assembler.assemble(src, "t.siwa").program();
        try (Machine.Session s = Machine.open(p, Machine.Options.of(1))) {
            for (int i = 0; i < 3; i++) {
                // The scratch accumulator starts at zero every run, so the output is 1.0, not i + 1.
                assertArrayEquals(new float[] {1, 1, 1, 1}, s.run().outputs().get("out").data(), "run " + i);
            }
        }
    }

    @Test
    void aMissingInputAndAClosedSessionAreClearErrors() {
        Program mlp = MachineTest.example("mlp.siwa");
        Machine.Session s = Machine.open(mlp, Machine.Options.of(1));
        s.set("W", random(1, 256, 128));
        assertTrue(assertThrows(VtpuRuntimeException.class, s::run).getMessage().contains("input x"));
        s.close();
        assertThrows(VtpuRuntimeException.class, () -> s.set("b", random(2, 1, 128)));
    }
}

package ai.vtpu.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.verify.Validator;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The benchmark programs are valid and compute what they claim, so the benchmark figures mean something. */
class BenchProgramsTest {

    @ParameterizedTest
    @CsvSource({"128, 32, 1, true", "128, 32, 2, true", "128, 32, 4, false", "96, 32, 3, true", "64, 64, 1, false"})
    void gemmProgramsMultiplyCorrectly(int n, int tile, int sentrons, boolean doubleBuffered) {
        Random r = new Random(n + tile + sentrons);
        HostTensor a = BenchSuite.random(r, n, n);
        HostTensor b = BenchSuite.random(r, n, n);
        Program p = Assembler.assemble(GemmProgram.siwa(n, tile, sentrons, doubleBuffered, 2), "gemm.siwa").program();
        assertEquals(List.of(), Validator.validate(p));
        Machine.Result res = Machine.run(p, Map.of("A", a, "B", b), new Machine.Options(sentrons, false, 10_000, false));
        float[] c = res.outputs().get("C").data();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += (double) a.data()[i * n + k] * b.data()[k * n + j];
                }
                assertEquals(s, c[i * n + j], 1e-3 * Math.max(1, Math.abs(s)), "C[" + i + "][" + j + "]");
            }
        }
        assertEquals(2L * 2 * n * n * n, res.stats().total(SentronStats::flops), "two repetitions of 2n^3 FLOPs in all");
    }

    @ParameterizedTest
    @EnumSource(SyntheticProgram.Mix.class)
    void syntheticStreamsAreValidAndRun(SyntheticProgram.Mix mix) {
        for (SyntheticProgram.Locality loc : SyntheticProgram.Locality.values()) {
            Program p = Assembler.assemble(SyntheticProgram.siwa(mix, loc, 2), "s.siwa").program();
            assertEquals(List.of(), Validator.validate(p), mix + " " + loc);
            var stats = Machine.run(p, Map.of(), new Machine.Options(2, false, 10_000, false)).stats();
            assertTrue(stats.total(SentronStats::siws) > 2L * 2 * SyntheticProgram.BODY, mix + " " + loc + " ran its loops");
        }
    }
}

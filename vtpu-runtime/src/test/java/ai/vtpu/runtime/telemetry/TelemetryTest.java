package ai.vtpu.runtime.telemetry;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Telemetry never invents a figure: counters either count or say why they cannot. */
class TelemetryTest {
    @Test
    void hardwareCountersCountOrExplainWhyNot() {
        try (PerfCounters p = PerfCounters.start()) {
            long sum = 0;
            for (int i = 0; i < 1_000_000; i++) {
                sum += i ^ (sum >>> 3);
            }
            long[] counts = p.elapsed();
            if (p.available()) {
                assertTrue(counts[0] > 0 && counts[1] > 0, "cycles and instructions counted: " + sum);
                assertTrue(p.status().equals("available"));
            } else {
                assertTrue(counts == null, "no figures without a PMU");
                assertTrue(p.status().startsWith("unavailable: "), p.status());
            }
        }
    }

    @Test
    void theMeasuredClockIsAPlausibleCoreClock() {
        double ghz = ClockProbe.measureGHz(5);
        // Wide bounds: this is a sanity check of the method (a broken chain gives 0.1x or 10x), not a benchmark.
        assertTrue(ghz > 0.5 && ghz < 8, "measured " + ghz + " GHz");
    }
}

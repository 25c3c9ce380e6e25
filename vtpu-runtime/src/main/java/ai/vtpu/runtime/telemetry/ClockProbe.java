package ai.vtpu.runtime.telemetry;

import java.util.Arrays;

/**
 * Measures the core clock under load, for FLOP-per-cycle figures on machines without cycle counters. It
 * times two chains of dependent add/xor pairs (each op one cycle of latency on every x86-64 core) of
 * different lengths; the difference of their times over the difference of their op counts is the cycle
 * time, free of loop overhead. Never the TSC, whose rate is not the core clock.
 */
public final class ClockProbe {
    private static volatile long sink;

    private ClockProbe() {
    }

    private static long chain(long n, int k, long seed) {
        long x = seed;
        for (long i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                x = (x + i) ^ (0x5bd1e995L + j);
            }
        }
        return x;
    }

    /** The clock in GHz: the median of {@code runs} measurements of about 30 ms each. */
    public static double measureGHz(int runs) {
        long n = 5_000_000;
        double[] ghz = new double[runs];
        chain(n, 2, 1); // warm up and compile
        chain(n, 6, 1);
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            long a = chain(n, 2, r);
            long t1 = System.nanoTime();
            long b = chain(n, 6, r);
            long t2 = System.nanoTime();
            sink += a ^ b;
            double extraCycles = 2.0 * (6 - 2) * n;
            ghz[r] = extraCycles / Math.max(1, (t2 - t1) - (t1 - t0));
        }
        Arrays.sort(ghz);
        return ghz[runs / 2];
    }
}

package ai.vtpu.runtime.telemetry;

/**
 * What one sentron did in a run, counted as it happened (nothing derived from slot counts): SIWs and ops
 * retired per pipe, D-op FLOPs (tile shapes, padding included), bytes moved by S and C, page-table translation-cache hits and misses,
 * time the D pipe stalled on waits for S (and on a full S queue), time the S worker was busy, time the
 * dispatch thread spent in C ops (they complete at issue, so this is the C pipe's stall), time spent
 * executing D ops (so that wall minus it is the dispatch and stall overhead), that time and the S pipe's
 * per opcode ({@link OpTime}), and wall and
 * CPU time. In a loaded session, CPU time, hardware counts and the busy times are -1 (and the times per
 * opcode empty) for a run that follows a run of under 200 µs: reading them would cost several microseconds
 * of a run that takes tens (the clock is read twice per op).
 */
public record SentronStats(int sentron, long siws, long dOps, long sOps, long cOps, long flops, long sBytes,
                           long cBytes, long prefetchBytes, long pptHits, long pptMisses, long dStallNanos,
                           long dIssueStallNanos, long sBusyNanos, long cNanos, long dBusyNanos, long wallNanos, long dCpuNanos, long sCpuNanos,
                           String pinning, HardwareCounts hw, java.util.List<OpTime> opTimes) {

    /** The statistics of a sentron that was not run, with the reason as its pinning line. */
    public static SentronStats notRun(int sentron, String why) {
        return new SentronStats(sentron, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, why,
                new HardwareCounts(HardwareCounts.NOT_RUN, -1, -1, -1, -1), java.util.List.of());
    }

    /** Counts of the D thread from perf_event_open, or the reason there are none. */
    public record HardwareCounts(String status, long cycles, long instructions, long cacheReferences, long cacheMisses) {
        /** The status of a sentron that was not run. */
        public static final String NOT_RUN = "not run";

        public boolean available() {
            return cycles >= 0;
        }
    }

    public double pptHitRate() {
        long all = pptHits + pptMisses;
        return all == 0 ? 0 : (double) pptHits / all;
    }
}

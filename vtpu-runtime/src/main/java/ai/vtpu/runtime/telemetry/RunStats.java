package ai.vtpu.runtime.telemetry;

import java.util.List;
import java.util.Locale;

/** The statistics of one run: per sentron, and their totals; formatted as a table or as JSON. */
public record RunStats(List<SentronStats> sentrons, long wallNanos) {

    public long total(java.util.function.ToLongFunction<SentronStats> f) {
        return sentrons.stream().mapToLong(f).sum();
    }

    public double gflops() {
        return total(SentronStats::flops) / (double) wallNanos;
    }

    /**
     * Useful FLOP per cycle of the D threads: FLOPs over (D CPU time x clock). {@code clockGHz} is the clock
     * measured in the same run ({@link ClockProbe}); the figure is labelled as derived from it.
     */
    public double flopPerCycle(double clockGHz) {
        double cycles = total(s -> Math.max(0, s.dCpuNanos())) * clockGHz; // -1: not measured
        return cycles == 0 ? 0 : total(SentronStats::flops) / cycles;
    }

    /** The hardware-counter line: measured counts where the PMU gave them, else the reason. */
    public String hardware() {
        // The first sentron that ran: one skipped as idle has no counts of its own.
        SentronStats.HardwareCounts h = sentrons.stream().map(SentronStats::hw).filter(c -> !c.status().equals(SentronStats.HardwareCounts.NOT_RUN))
                .findFirst().orElse(sentrons.get(0).hw());
        if (!h.available()) {
            return h.status();
        }
        long cycles = total(s -> Math.max(0, s.hw().cycles()));
        long instr = total(s -> Math.max(0, s.hw().instructions()));
        return String.format(Locale.ROOT, "cycles %d, instructions %d (IPC %.2f), cache references %d, misses %d; "
                + "FLOP per cycle (measured cycles) %.2f", cycles, instr, instr / (double) Math.max(1, cycles),
                total(s -> Math.max(0, s.hw().cacheReferences())), total(s -> Math.max(0, s.hw().cacheMisses())),
                total(SentronStats::flops) / (double) Math.max(1, cycles));
    }

    /** Time per pipe and opcode summed over the sentrons, longest first. */
    public List<OpTime> opTimes() {
        java.util.Map<String, OpTime> sum = new java.util.LinkedHashMap<>();
        for (SentronStats s : sentrons) {
            for (OpTime t : s.opTimes()) {
                sum.merge(t.pipe() + " " + t.opcode(), t,
                        (a, b) -> new OpTime(a.pipe(), a.opcode(), a.count() + b.count(), a.nanos() + b.nanos()));
            }
        }
        return sum.values().stream().sorted(java.util.Comparator.comparingLong(OpTime::nanos).reversed()).toList();
    }

    public String table(double clockGHz) {
        String hw = hardware();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-8s %9s %8s %8s %8s %12s %11s %10s %8s %10s %9s %9s %9s %9s%n",
                "sentron", "SIWs", "D ops", "S ops", "C ops", "FLOPs", "S bytes", "C bytes", "PPT hit", "D stall ms",
                "S busy ms", "C ms", "wall ms", "D cpu ms"));
        for (SentronStats s : sentrons) {
            sb.append(String.format(Locale.ROOT, "%-8d %9d %8d %8d %8d %12d %11d %10d %7.1f%% %10.2f %9s %9.2f %9.2f %9s%n",
                    s.sentron(), s.siws(), s.dOps(), s.sOps(), s.cOps(), s.flops(), s.sBytes(), s.cBytes(),
                    100 * s.pptHitRate(), (s.dStallNanos() + s.dIssueStallNanos()) / 1e6,
                    s.sBusyNanos() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", s.sBusyNanos() / 1e6),
                    s.cNanos() / 1e6, s.wallNanos() / 1e6,
                    s.dCpuNanos() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", s.dCpuNanos() / 1e6)));
        }
        sb.append(String.format(Locale.ROOT, "wall %.3f ms, %.2f GFLOP/s of D-op FLOPs (tile shapes, zero padding of edge tiles included)%n", wallNanos / 1e6, gflops()));
        if (total(s -> Math.max(0, s.dCpuNanos())) == 0) {
            sb.append("FLOP per cycle: not derived (no D-thread CPU time was measured in this run)\n");
        } else {
            sb.append(String.format(Locale.ROOT,
                    "FLOP per cycle (derived: FLOPs / (D-thread CPU time x %.2f GHz clock measured in this run)): %.2f of 64 peak%n",
                    clockGHz, flopPerCycle(clockGHz)));
        }
        sb.append("hardware counters: ").append(hw).append('\n');
        sb.append("time by opcode, all sentrons (each op timed on its own; dispatch and waits are not in it):\n");
        for (OpTime t : opTimes()) {
            sb.append(String.format(Locale.ROOT, "  %s %-8s %8d ops %10.3f ms %8.2f us/op%n", t.pipe(), t.opcode(), t.count(),
                    t.nanos() / 1e6, t.nanos() / 1e3 / t.count()));
        }
        for (SentronStats s : sentrons) {
            sb.append("sentron ").append(s.sentron()).append(": ").append(s.pinning()).append('\n');
        }
        return sb.toString();
    }

    public String json(double clockGHz) {
        String hw = hardware();
        StringBuilder sb = new StringBuilder("{\"wallNanos\":").append(wallNanos)
                .append(",\"gflops\":").append(String.format(Locale.ROOT, "%.4f", gflops()))
                .append(",\"clockGHzMeasured\":").append(String.format(Locale.ROOT, "%.4f", clockGHz))
                .append(",\"flopPerCycleDerived\":").append(String.format(Locale.ROOT, "%.4f", flopPerCycle(clockGHz)))
                .append(",\"hardwareCounters\":\"").append(hw.replace("\"", "'")).append("\",\"sentrons\":[");
        for (int i = 0; i < sentrons.size(); i++) {
            SentronStats s = sentrons.get(i);
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"sentron\":%d,\"siws\":%d,\"dOps\":%d,\"sOps\":%d,\"cOps\":%d,\"flops\":%d,\"sBytes\":%d,\"cBytes\":%d,"
                            + "\"prefetchBytes\":%d,\"pptHits\":%d,\"pptMisses\":%d,\"dStallNanos\":%d,\"dIssueStallNanos\":%d,"
                            + "\"sBusyNanos\":%d,\"cNanos\":%d,\"dBusyNanos\":%d,\"wallNanos\":%d,\"dCpuNanos\":%d,\"sCpuNanos\":%d,\"pinning\":\"%s\","
                            + "\"opTimes\":[%s]}",
                    s.sentron(), s.siws(), s.dOps(), s.sOps(), s.cOps(), s.flops(), s.sBytes(), s.cBytes(), s.prefetchBytes(),
                    s.pptHits(), s.pptMisses(), s.dStallNanos(), s.dIssueStallNanos(), s.sBusyNanos(), s.cNanos(), s.dBusyNanos(), s.wallNanos(),
                    s.dCpuNanos(), s.sCpuNanos(), s.pinning(), String.join(",", s.opTimes().stream().map(t -> String.format(Locale.ROOT,
                            "{\"pipe\":\"%s\",\"opcode\":\"%s\",\"count\":%d,\"nanos\":%d}", t.pipe(), t.opcode(), t.count(), t.nanos()))
                            .toList())));
        }
        return sb.append("]}").toString();
    }
}

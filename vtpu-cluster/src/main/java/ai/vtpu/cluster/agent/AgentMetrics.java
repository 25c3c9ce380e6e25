package ai.vtpu.cluster.agent;

import ai.vtpu.runtime.telemetry.ClockProbe;
import ai.vtpu.runtime.telemetry.RunStats;
import ai.vtpu.runtime.telemetry.SentronStats;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * The node agent's OpenTelemetry metrics, per node and per sentron (attributes {@code vtpu.node}, {@code vtpu.sentron}).
 * Rates (SIWs/s, FLOP/s) are the counters' rates in the dashboard; FLOP per cycle is derived from CPU time and a
 * clock measured at start, and named {@code .derived} because no hardware counter backs it. Names: docs/CLUSTER.md.
 */
public final class AgentMetrics implements AutoCloseable {
    static final AttributeKey<String> NODE = AttributeKey.stringKey("vtpu.node");
    static final AttributeKey<Long> SENTRON = AttributeKey.longKey("vtpu.sentron");

    private final String node;
    private final Meter meter;
    private final LongCounter siws;
    private final LongCounter flops;
    private final LongCounter bytes;
    private final LongCounter pptHits;
    private final LongCounter pptMisses;
    private final LongCounter jobs;
    private final DoubleHistogram runSeconds;
    private final DoubleHistogram flopPerCycle;
    private final List<AutoCloseable> gauges = new ArrayList<>();
    private final double clockGHz;

    public AgentMetrics(OpenTelemetry otel, String node) {
        this.node = node;
        this.meter = otel.getMeter("ai.vtpu.node-agent");
        this.siws = meter.counterBuilder("vtpu.sentron.siws").setDescription("SIWs retired").setUnit("{siw}").build();
        this.flops = meter.counterBuilder("vtpu.sentron.flops").setDescription("Useful FLOPs of D ops").setUnit("{flop}").build();
        this.bytes = meter.counterBuilder("vtpu.sentron.bytes_moved").setDescription("Bytes moved by the S and C pipes").setUnit("By").build();
        this.pptHits = meter.counterBuilder("vtpu.sentron.ppt.hits").setDescription("Phext page table cache hits").build();
        this.pptMisses = meter.counterBuilder("vtpu.sentron.ppt.misses").setDescription("Phext page table cache misses").build();
        this.jobs = meter.counterBuilder("vtpu.node.jobs.completed").setDescription("Job attempts run to the end").build();
        this.runSeconds = meter.histogramBuilder("vtpu.node.run.duration").setDescription("Wall time of a run").setUnit("s").build();
        this.flopPerCycle = meter.histogramBuilder("vtpu.sentron.flop_per_cycle.derived")
                .setDescription("FLOPs per cycle of a sentron's run, from CPU time and a clock measured at start (no hardware counter)").build();
        this.clockGHz = ClockProbe.measureGHz(5);
    }

    public static AgentMetrics noop(String node) {
        return new AgentMetrics(OpenTelemetry.noop(), node);
    }

    public double clockGHz() {
        return clockGHz;
    }

    void observe(IntSupplier busySentrons, IntSupplier runningJobs, int sentrons) {
        Attributes a = Attributes.of(NODE, node);
        ObservableLongGauge busy = meter.gaugeBuilder("vtpu.node.sentrons.busy").ofLongs()
                .buildWithCallback(m -> m.record(busySentrons.getAsInt(), a));
        ObservableLongGauge total = meter.gaugeBuilder("vtpu.node.sentrons").ofLongs()
                .buildWithCallback(m -> m.record(sentrons, a));
        ObservableLongGauge queue = meter.gaugeBuilder("vtpu.node.jobs.running").ofLongs()
                .buildWithCallback(m -> m.record(runningJobs.getAsInt(), a));
        gauges.add(busy);
        gauges.add(total);
        gauges.add(queue);
    }

    void recordRun(RunStats stats) {
        jobs.add(1, Attributes.of(NODE, node));
        runSeconds.record(stats.wallNanos() / 1e9, Attributes.of(NODE, node));
        for (SentronStats s : stats.sentrons()) {
            Attributes a = Attributes.of(NODE, node, SENTRON, (long) s.sentron());
            siws.add(s.siws(), a);
            flops.add(s.flops(), a);
            bytes.add(s.sBytes() + s.cBytes(), a);
            pptHits.add(s.pptHits(), a);
            pptMisses.add(s.pptMisses(), a);
            long cpu = s.dCpuNanos();
            if (cpu > 0 && clockGHz > 0) {
                flopPerCycle.record(s.flops() / (cpu * clockGHz), a);
            }
        }
    }

    @Override
    public void close() {
        for (AutoCloseable g : gauges) {
            try {
                g.close();
            } catch (Exception ignored) {
                // closing a gauge only unregisters its callback
            }
        }
    }
}

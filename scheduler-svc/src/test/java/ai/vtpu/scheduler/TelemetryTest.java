package ai.vtpu.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.agent.AgentConfig;
import ai.vtpu.cluster.agent.AgentMetrics;
import ai.vtpu.cluster.agent.NodeAgent;
import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.cluster.protocol.JobRecord;
import ai.vtpu.cluster.protocol.JobStatus;
import ai.vtpu.scheduler.core.Scheduler;
import ai.vtpu.scheduler.core.SchedulerConfig;
import io.nats.client.Connection;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The job trace and the scheduler's and agent's metrics, caught by in-memory exporters. */
class TelemetryTest {
    @Test
    void aJobIsOneTraceAndTheAgentReportsPerSentronMetrics() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build()).build();
        try (NatsServerProcess nats = NatsServerProcess.start();
             Connection nc = NatsConnections.connect(nats.url(), "test-scheduler");
             Scheduler s = new Scheduler(nc, SchedulerConfig.defaults(), otel).start()) {
            NodeAgent agent = NodeAgent.start(nats.url(), AgentConfig.of("agent-t", 2).withHeartbeat(Duration.ofMillis(200)),
                    new AgentMetrics(otel, "agent-t"));
            try {
                String body = TestJobs.body("ir", TestJobs.example("mlp.ir"), Map.of("x", TestJobs.random(1, 64, 256),
                        "W1", TestJobs.random(2, 256, 512), "b1", TestJobs.random(3, 512), "W2", TestJobs.random(4, 512, 128),
                        "b2", TestJobs.random(5, 128)), "\"sentrons\": 2");
                String id = s.submit(s.parser().parse(body.getBytes())).id();
                JobRecord done = DurabilityTest.awaitStatus(s, id, JobStatus.SUCCEEDED);
                s.output(id, "y");

                List<SpanData> job = spans.getFinishedSpanItems().stream()
                        .filter(x -> id.equals(x.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("vtpu.job.id"))))
                        .toList();
                Set<String> names = job.stream().map(SpanData::getName).collect(Collectors.toSet());
                assertEquals(Set.of("vtpu.job.submit", "vtpu.job.compile", "vtpu.job.place", "vtpu.job.run", "vtpu.job.fetch"), names);
                assertEquals(1, job.stream().map(SpanData::getTraceId).distinct().count(), "one trace per job: " + job);
                SpanData run = job.stream().filter(x -> x.getName().equals("vtpu.job.run")).findFirst().orElseThrow();
                assertTrue(run.getEndEpochNanos() - run.getStartEpochNanos() > 0);
                assertEquals(done.placedAt() * 1_000_000L, run.getStartEpochNanos(), "the run span starts when the job was placed");

                Collection<MetricData> m = metrics.collectAllMetrics();
                Map<String, MetricData> byName = m.stream().collect(Collectors.toMap(MetricData::getName, x -> x, (x, y) -> x));
                for (String name : List.of("vtpu.sentron.siws", "vtpu.sentron.flops", "vtpu.sentron.bytes_moved",
                        "vtpu.sentron.ppt.hits", "vtpu.node.sentrons.busy", "vtpu.node.jobs.running", "vtpu.job.latency",
                        "vtpu.scheduler.queue.depth", "vtpu.scheduler.jobs.submitted", "vtpu.sentron.flop_per_cycle.derived")) {
                    assertTrue(byName.containsKey(name), name + " is exported; got " + byName.keySet());
                }
                long sentronSeries = byName.get("vtpu.sentron.flops").getLongSumData().getPoints().size();
                assertEquals(2, sentronSeries, "one series per sentron");
                long flops = byName.get("vtpu.sentron.flops").getLongSumData().getPoints().stream().mapToLong(p -> p.getValue()).sum();
                assertEquals(done.stats().get("sentrons").findValues("flops").stream().mapToLong(x -> x.asLong()).sum(), flops,
                        "the FLOP counter adds up what the runs counted");
            } finally {
                agent.halt();
            }
        }
    }
}

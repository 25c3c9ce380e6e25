package ai.vtpu.scheduler.core;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * A trace per job: {@code vtpu.job.submit} is its root, and {@code vtpu.job.compile}, {@code vtpu.job.place},
 * {@code vtpu.job.run} and {@code vtpu.job.fetch} are its children, linked through the W3C traceparent kept in the
 * job record, so a restarted scheduler continues the same trace. Metrics: submissions, job latency, queue depth.
 */
public final class JobTracing {
    static final AttributeKey<String> JOB = AttributeKey.stringKey("vtpu.job.id");
    static final AttributeKey<String> NODE = AttributeKey.stringKey("vtpu.node");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("vtpu.job.status");

    private final Tracer tracer;
    private final LongCounter submitted;
    private final DoubleHistogram latency;
    private final io.opentelemetry.api.metrics.Meter meter;

    public JobTracing(OpenTelemetry otel) {
        this.tracer = otel.getTracer("ai.vtpu.scheduler");
        this.meter = otel.getMeter("ai.vtpu.scheduler");
        this.submitted = meter.counterBuilder("vtpu.scheduler.jobs.submitted").setDescription("Jobs accepted").build();
        this.latency = meter.histogramBuilder("vtpu.job.latency").setUnit("s")
                .setDescription("Submission to a terminal state, by final status").build();
    }

    void observeQueue(IntSupplier depth) {
        meter.gaugeBuilder("vtpu.scheduler.queue.depth").ofLongs().setDescription("Jobs accepted and not yet running")
                .buildWithCallback(m -> m.record(depth.getAsInt()));
    }

    /** The root span of a new job; returns its traceparent. */
    String submitted(String jobId, String format) {
        Span s = tracer.spanBuilder("vtpu.job.submit").setSpanKind(SpanKind.SERVER).setAttribute(JOB, jobId)
                .setAttribute("vtpu.program.format", format).startSpan();
        s.end();
        submitted.add(1);
        SpanContext c = s.getSpanContext();
        return c.isValid() ? "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex() : null;
    }

    /** A span of the job's trace, started now (or at {@code startMillis}) and ended by the caller. */
    Span child(String name, String jobId, String traceparent, Long startMillis) {
        var b = tracer.spanBuilder(name).setAttribute(JOB, jobId).setParent(parent(traceparent));
        if (startMillis != null) {
            b.setStartTimestamp(startMillis, TimeUnit.MILLISECONDS);
        }
        return b.startSpan();
    }

    /** A span that ended as it started: a point in the job's life. */
    void event(String name, String jobId, String traceparent, Attributes attributes) {
        Span s = child(name, jobId, traceparent, null);
        s.setAllAttributes(attributes);
        s.end();
    }

    static void fail(Span s, String why) {
        s.setStatus(StatusCode.ERROR, why);
        s.end();
    }

    void finished(String status, long submittedAt, long now) {
        latency.record((now - submittedAt) / 1000.0, Attributes.of(STATUS, status));
    }

    private static Context parent(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        String[] p = traceparent.split("-");
        if (p.length != 4) {
            return Context.root();
        }
        SpanContext c = SpanContext.createFromRemoteParent(p[1], p[2], TraceFlags.fromHex(p[3], 0), TraceState.getDefault());
        return c.isValid() ? Context.root().with(Span.wrap(c)) : Context.root();
    }
}

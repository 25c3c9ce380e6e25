package ai.vtpu.scheduler.core;

import java.time.Duration;

/**
 * @param nodeTimeout a node silent this long is down and its jobs are placed again
 * @param tick how often the scheduling loop looks at the queue (it also runs at once on every event)
 * @param maxRequestBytes the largest submission accepted
 * @param orderTimeout how long a node agent has to accept a work order
 * @param retention how long a finished job (its record, program, inputs and outputs) is kept before it is deleted
 */
public record SchedulerConfig(Duration nodeTimeout, Duration tick, long maxRequestBytes, Duration orderTimeout, Duration retention) {
    public static SchedulerConfig defaults() {
        return new SchedulerConfig(Duration.ofSeconds(5), Duration.ofMillis(200), 64L << 20, Duration.ofSeconds(2), Duration.ofDays(1));
    }

    public SchedulerConfig withNodeTimeout(Duration d) {
        return new SchedulerConfig(d, tick, maxRequestBytes, orderTimeout, retention);
    }

    public SchedulerConfig withRetention(Duration d) {
        return new SchedulerConfig(nodeTimeout, tick, maxRequestBytes, orderTimeout, d);
    }
}

package ai.vtpu.scheduler.core;

import java.time.Duration;

/**
 * @param nodeTimeout a node silent this long is down and its jobs are placed again
 * @param tick how often the scheduling loop looks at the queue (it also runs at once on every event)
 * @param maxRequestBytes the largest submission accepted
 * @param orderTimeout how long a node agent has to accept a work order
 */
public record SchedulerConfig(Duration nodeTimeout, Duration tick, long maxRequestBytes, Duration orderTimeout) {
    public static SchedulerConfig defaults() {
        return new SchedulerConfig(Duration.ofSeconds(5), Duration.ofMillis(200), 64L << 20, Duration.ofSeconds(2));
    }

    public SchedulerConfig withNodeTimeout(Duration d) {
        return new SchedulerConfig(d, tick, maxRequestBytes, orderTimeout);
    }
}

package ai.vtpu.bench;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.cluster.transport.NatsTransport;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import ai.vtpu.runtime.exec.Transport;
import ai.vtpu.runtime.telemetry.SentronStats;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The network C pipe measured against raw NATS on the same server in the same run (issue 7):
 * <ol>
 *   <li>all-reduce (sum) algorithm and bus bandwidth, nccl-tests definitions (algbw = bytes / time, busbw = algbw x
 *       2(n-1)/n), 1 KiB .. 64 MiB over 2, 3 and 4 ranks, each rank a "host" with its own NATS connection and
 *       transport; next to raw NATS pub/sub throughput (one publisher, one subscriber) for the same message size;</li>
 *   <li>barrier latency p50/p99 with 36 sentrons over 4 hosts;</li>
 *   <li>weak scaling of a data-parallel GEMM (fixed work per sentron, partial results combined by all-reduce) over
 *       1..4 hosts of one sentron each, with the fraction of time in the C pipe.</li>
 * </ol>
 * <p>Also: the same all-reduce directly and through router-svc's relay. Usage: {@code CollectiveBench
 * [allreduce|relay|barrier|scaling|all] [MAX_MIB]}; starts its own nats-server.
 */
public final class CollectiveBench {
    private final String url;

    CollectiveBench(String url) {
        this.url = url;
    }

    /** {@code hosts} transports for one run, sentrons spread evenly (host h holds those with s * hosts / n == h). */
    List<NatsTransport> hosts(String run, int n, int hosts, List<Connection> conns) throws Exception {
        return hosts(run, n, hosts, conns, false);
    }

    List<NatsTransport> hosts(String run, int n, int hosts, List<Connection> conns, boolean relay) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        List<Future<NatsTransport>> fs = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            Connection nc = NatsConnections.connect(url, "bench-host-" + h, false); // as node agents connect
            conns.add(nc);
            java.util.HashSet<Integer> local = new java.util.HashSet<>();
            for (int s = 0; s < n; s++) {
                if (s * hosts / n == h) {
                    local.add(s);
                }
            }
            fs.add(pool.submit(() -> new NatsTransport(nc, run, local, n, 60_000, 0, relay)));
        }
        List<NatsTransport> out = new ArrayList<>();
        for (Future<NatsTransport> f : fs) {
            out.add(f.get());
        }
        pool.shutdown();
        return out;
    }

    static void close(List<NatsTransport> ts, List<Connection> conns) throws InterruptedException {
        for (NatsTransport t : ts) {
            t.close();
        }
        for (Connection c : conns) {
            c.close();
        }
    }

    /** Seconds per all-reduce of {@code floats} over {@code n} ranks (median of 3 timed batches). */
    double allReduceSeconds(int n, int floats, int iters, String run) throws Exception {
        return allReduceSeconds(n, floats, iters, run, false);
    }

    double allReduceSeconds(int n, int floats, int iters, String run, boolean relay) throws Exception {
        List<Connection> conns = new ArrayList<>();
        List<NatsTransport> ts = hosts(run, n, n, conns, relay);
        List<Integer> members = java.util.stream.IntStream.range(0, n).boxed().toList();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            double[] batches = new double[3];
            for (int b = -1; b < 3; b++) {
                List<Future<Long>> fs = new ArrayList<>();
                int reps = b < 0 ? Math.max(1, iters / 4) : iters;
                for (int r = 0; r < n; r++) {
                    int rank = r;
                    fs.add(pool.submit(() -> {
                        float[] v = new float[floats];
                        Arrays.fill(v, rank + 1);
                        Transport t = ts.get(rank);
                        t.barrier(rank, members, 2);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < reps; i++) {
                            t.allReduce(rank, members, 1, ReduceOp.SUM, new Transport.Message(1, floats, v));
                        }
                        return System.nanoTime() - t0;
                    }));
                }
                long worst = 0;
                for (Future<Long> f : fs) {
                    worst = Math.max(worst, f.get());
                }
                if (b >= 0) {
                    batches[b] = worst / 1e9 / reps;
                }
            }
            return median(batches);
        } finally {
            pool.shutdownNow();
            close(ts, conns);
        }
    }

    /** Raw NATS: one publisher, one subscriber, {@code size}-byte messages; bytes per second delivered (median of 3). */
    double rawNatsBytesPerSecond(int size, long totalBytes) throws Exception {
        double[] r = new double[3];
        for (int k = -1; k < 3; k++) {
            try (Connection pub = NatsConnections.connect(url, "raw-pub"); Connection sub = NatsConnections.connect(url, "raw-sub")) {
                int count = (int) Math.max(200, totalBytes / size);
                CountDownLatch done = new CountDownLatch(1);
                AtomicLong got = new AtomicLong();
                Dispatcher d = sub.createDispatcher(m -> {
                    if (got.incrementAndGet() == count) {
                        done.countDown();
                    }
                });
                d.setPendingLimits(-1, -1);
                d.subscribe("raw.bench");
                sub.flush(Duration.ofSeconds(5));
                byte[] payload = new byte[size];
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    pub.publish("raw.bench", payload);
                }
                pub.flush(Duration.ofSeconds(60));
                done.await();
                double secs = (System.nanoTime() - t0) / 1e9;
                if (k >= 0) {
                    r[k] = (double) count * size / secs;
                }
            }
        }
        return median(r);
    }

    /**
     * The all-reduce's traffic with nothing else: each of {@code n} connections publishes a segment of S/n to each other
     * rank and one S/n to all (what reduce-scatter + all-gather sends, in frames of at most 1 MiB), and waits until it
     * has received its 2(n-1) segments; no encoding, adding or copying. Seconds per round, median of 3 batches.
     */
    double rawPatternSeconds(int n, long bytes, int iters) throws Exception {
        List<Connection> conns = new ArrayList<>();
        AtomicLong[] got = new AtomicLong[n];
        int seg = (int) Math.max(4, bytes / n);
        int frame = Math.min(seg, (1 << 20) - 1024);
        int framesPerSeg = (seg + frame - 1) / frame;
        try {
            for (int r = 0; r < n; r++) {
                Connection nc = NatsConnections.connect(url, "raw-rank-" + r, false);
                conns.add(nc);
                AtomicLong g = new AtomicLong();
                got[r] = g;
                Dispatcher d = nc.createDispatcher(m -> g.incrementAndGet());
                d.setPendingLimits(-1, -1);
                d.subscribe("rawpat.s." + r);
                d.subscribe("rawpat.g");
                nc.flush(Duration.ofSeconds(5));
            }
            ExecutorService pool = Executors.newFixedThreadPool(n);
            try {
                double[] batches = new double[3];
                long expectPerRound = 2L * (n - 1) * framesPerSeg;
                long[] base = new long[n];
                for (int b = -1; b < 3; b++) {
                    int reps = b < 0 ? Math.max(1, iters / 4) : iters;
                    List<Future<Long>> fs = new ArrayList<>();
                    for (int r = 0; r < n; r++) {
                        int rank = r;
                        long start = got[r].get();
                        fs.add(pool.submit(() -> {
                            byte[] payload = new byte[frame];
                            Connection nc = conns.get(rank);
                            long t0 = System.nanoTime();
                            for (int i = 0; i < reps; i++) {
                                for (int j = 0; j < n; j++) {
                                    if (j != rank) {
                                        for (int f = 0; f < framesPerSeg; f++) {
                                            nc.publish("rawpat.s." + j, payload);
                                        }
                                    }
                                }
                                for (int f = 0; f < framesPerSeg; f++) {
                                    nc.publish("rawpat.g", payload);
                                }
                                long want = start + (i + 1) * expectPerRound;
                                long deadline = System.nanoTime() + 60_000_000_000L;
                                while (got[rank].get() < want) {
                                    if (System.nanoTime() > deadline) {
                                        // Core NATS drops messages for a client that falls behind (slow consumer).
                                        return -1L;
                                    }
                                    java.util.concurrent.locks.LockSupport.parkNanos(20_000); // as the transport waits
                                }
                            }
                            return System.nanoTime() - t0;
                        }));
                    }
                    long worst = 0;
                    for (Future<Long> f : fs) {
                        long t = f.get();
                        if (t < 0) {
                            return Double.NaN;
                        }
                        worst = Math.max(worst, t);
                    }
                    if (b >= 0) {
                        batches[b] = worst / 1e9 / reps;
                    }
                }
                return median(batches);
            } finally {
                pool.shutdownNow();
            }
        } finally {
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    void allReduceTable(int maxMib) throws Exception {
        System.out.println("all-reduce (sum), ranks on their own NATS connections; raw NATS = 1 publisher -> 1 subscriber, same message size");
        System.out.println("raw pattern = the same reduce-scatter + all-gather traffic published and received with nothing else");
        System.out.println("ranks      bytes   time_us   algbw_MB/s   busbw_MB/s   raw_nats_MB/s   busbw/raw   raw_pattern_us   time/raw_pattern");
        int run = 0;
        for (int n : new int[] {2, 3, 4}) {
            for (long bytes = 1024; bytes <= (long) maxMib << 20; bytes *= 4) {
                int floats = (int) (bytes / 4);
                int iters = (int) Math.max(3, Math.min(300, (64L << 20) / bytes));
                double t = allReduceSeconds(n, floats, iters, "ar-" + (run++));
                double algbw = bytes / t;
                double busbw = algbw * 2.0 * (n - 1) / n;
                // Same message size as the transport's frames: the tile whole up to about 1 MB, else 1 MB chunks.
                int msg = (int) Math.min(bytes, (1 << 20) - 1024);
                double raw = rawNatsBytesPerSecond(msg, Math.max(bytes * 4, 16L << 20));
                double pattern = rawPatternSeconds(n, bytes, iters);
                System.out.printf(Locale.ROOT, "%5d %10d %9.1f %12.1f %12.1f %15.1f %11.2f %16.1f %18.2f%n", n, bytes, t * 1e6, algbw / 1e6,
                        busbw / 1e6, raw / 1e6, busbw / raw, pattern * 1e6, t / pattern);
            }
        }
    }

    void barrierTable() throws Exception {
        int n = 36;
        int hosts = 4;
        List<Connection> conns = new ArrayList<>();
        List<NatsTransport> ts = hosts("barrier", n, hosts, conns);
        List<Integer> members = java.util.stream.IntStream.range(0, n).boxed().toList();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        int iters = 400;
        try {
            List<Future<double[]>> fs = new ArrayList<>();
            for (int s = 0; s < n; s++) {
                int self = s;
                NatsTransport t = ts.get(s * hosts / n);
                fs.add(pool.submit(() -> {
                    double[] lat = new double[iters];
                    for (int i = 0; i < 50; i++) {
                        t.barrier(self, members, 1);
                    }
                    for (int i = 0; i < iters; i++) {
                        long t0 = System.nanoTime();
                        t.barrier(self, members, 1);
                        lat[i] = (System.nanoTime() - t0) / 1e6;
                    }
                    return lat;
                }));
            }
            // A barrier's latency is the slowest member's: the max over sentrons per iteration.
            double[] worst = new double[iters];
            for (Future<double[]> f : fs) {
                double[] l = f.get();
                for (int i = 0; i < iters; i++) {
                    worst[i] = Math.max(worst[i], l[i]);
                }
            }
            Arrays.sort(worst);
            System.out.printf(Locale.ROOT, "barrier, %d sentrons on %d hosts, %d barriers: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", n, hosts,
                    iters, worst[iters / 2], worst[(int) (iters * 0.99)], worst[iters - 1]);
        } finally {
            pool.shutdownNow();
            close(ts, conns);
        }
    }

    /** Each sentron multiplies two 256x256 matrices {@code reps} times into one accumulator, then all-reduces it. */
    static Program weakScalingProgram(int n, int reps) {
        return Assembler.assemble("""
                .tensor A f32[256, 256] @1.1.1/1.1.1/1.1.1 input
                .tensor B f32[256, 256] @1.1.1/1.1.1/1.1.2 input
                .tensor C f32[256, 256] @1.1.1/1.1.1/1.1.3 output
                .group 1 = 0..%d
                        S: CSET P0, A
                        S: CSET P1, B
                        S: CSET P2, C ^0
                        wait s0 | D: FILL T0, 256 x 256, 0.0 | S: GATHER T1, P0, 256 x 256
                        S: GATHER T2, P1, 256 x 256 ^1
                        wait s1 | S: SLI R1, %d ^2
                        wait s2
                loop:   D: MMA T0, T1, T2 | C: LOOP R1, loop
                        C: REDUCE T0, 1, sum ^0
                        wait c0 | S: SCATTER T0, P2, 256 x 256 ^3
                        wait s3 | C: HALT
                """.formatted(n - 1, reps), "weak.siwa").program();
    }

    void scalingTable() throws Exception {
        System.out.println("weak scaling: one sentron per host, 64 MMAs of 256x256x256 each, then an all-reduce of the 256 KiB result");
        System.out.println("hosts   wall_ms   c_ms   c_fraction   efficiency_vs_1   allreduce_256KiB_ms   projected_efficiency");
        Random rnd = new Random(1);
        Map<String, HostTensor> in = Map.of("A", HostTensor.gaussian(rnd, List.of(256, 256)), "B", HostTensor.gaussian(rnd, List.of(256, 256)));
        double base = 0;
        double compute = 0;
        for (int n = 1; n <= 4; n++) {
            Program p = weakScalingProgram(n, 64);
            int ranks = n;
            double[] walls = new double[5];
            double[] cs = new double[5];
            for (int k = -2; k < 5; k++) {
                List<Connection> conns = new ArrayList<>();
                List<NatsTransport> ts = hosts("weak-" + n + "-" + (k + 2), n, n, conns);
                ExecutorService pool = Executors.newFixedThreadPool(n);
                try {
                    List<Future<Machine.Result>> fs = new ArrayList<>();
                    for (int h = 0; h < n; h++) {
                        int host = h;
                        fs.add(pool.submit(() -> Machine.run(p, in, new Machine.Options(ranks, false, 60_000, false)
                                .part(Set.of(host), ts.get(host)))));
                    }
                    double wall = 0;
                    double c = 0;
                    for (Future<Machine.Result> f : fs) {
                        Machine.Result r = f.get();
                        SentronStats st = r.stats().sentrons().get(0);
                        wall = Math.max(wall, st.wallNanos() / 1e6);
                        c = Math.max(c, st.cNanos() / 1e6);
                    }
                    if (k >= 0) {
                        walls[k] = wall;
                        cs[k] = c;
                    }
                } finally {
                    pool.shutdownNow();
                    close(ts, conns);
                }
            }
            double wall = median(walls);
            double c = median(cs);
            if (n == 1) {
                base = wall;
                compute = wall - c;
            }
            // On hosts with their own cores a sentron's time is its compute plus the all-reduce: measured here alone.
            double ar = n == 1 ? 0 : allReduceSeconds(n, 65536, 50, "weak-ar-" + n) * 1e3;
            System.out.printf(Locale.ROOT, "%5d %9.2f %6.2f %12.3f %17.2f %21.2f %22.2f%n", n, wall, c, c / wall, base / wall, ar,
                    compute / (compute + ar));
        }
    }

    /** The same all-reduce directly and through router-svc's relay (one hop more), 2 ranks. */
    void relayTable() throws Exception {
        System.out.println("direct vs relayed (through ai.vtpu.cluster.router.Relay on its own connection), all-reduce over 2 ranks");
        System.out.println("     bytes   direct_us   relayed_us   relayed/direct");
        try (Connection rc = NatsConnections.connect(url, "bench-router"); var relay = new ai.vtpu.cluster.router.Relay(rc)) {
            int run = 0;
            for (long bytes : new long[] {1024, 65536, 1 << 20, 16 << 20}) {
                int floats = (int) (bytes / 4);
                int iters = (int) Math.max(3, Math.min(300, (64L << 20) / bytes));
                double d = allReduceSeconds(2, floats, iters, "rd-" + run);
                double r = allReduceSeconds(2, floats, iters, "rr-" + (run++), true);
                System.out.printf(Locale.ROOT, "%10d %11.1f %12.1f %16.2f%n", bytes, d * 1e6, r * 1e6, r / d);
            }
            System.out.println("relayed frames: " + relay.frames());
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "all";
        int maxMib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        try (NatsServerProcess nats = NatsServerProcess.start()) {
            CollectiveBench b = new CollectiveBench(nats.url());
            System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " hardware threads; nats-server on loopback");
            if (what.equals("all") || what.equals("allreduce")) {
                b.allReduceTable(maxMib);
            }
            if (what.equals("all") || what.equals("relay")) {
                b.relayTable();
            }
            if (what.equals("all") || what.equals("barrier")) {
                b.barrierTable();
            }
            if (what.equals("all") || what.equals("scaling")) {
                b.scalingTable();
            }
        }
    }
}

package ai.vtpu.cluster.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.LocalTransport;
import ai.vtpu.runtime.exec.Transport;
import io.nats.client.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Six sentrons on three "hosts" (a NatsTransport each, on its own connection to a real nats-server), against the
 * shared-memory transport: every collective must give the same bits on every member as LocalTransport does.
 */
class NatsTransportTest {
    static NatsServerProcess nats;
    static final List<Integer> ALL = List.of(0, 1, 2, 3, 4, 5);
    static int runs;

    @BeforeAll
    static void start() {
        nats = NatsServerProcess.start();
    }

    @AfterAll
    static void stop() {
        nats.close();
    }

    interface PerSentron {
        Object run(Transport t, int self) throws Exception;
    }

    /** Runs {@code body} on sentrons 0..5, hosted two per transport; returns each sentron's result. */
    static List<Object> onHosts(int chunkFloats, long timeoutMs, PerSentron body) throws Exception {
        String run = "test-" + (runs++);
        List<Connection> conns = new ArrayList<>();
        List<Future<NatsTransport>> joining = new ArrayList<>();
        ExecutorService starter = Executors.newFixedThreadPool(3);
        for (int h = 0; h < 3; h++) {
            Connection nc = NatsConnections.connect(nats.url(), "host-" + h);
            conns.add(nc);
            Set<Integer> local = Set.of(2 * h, 2 * h + 1);
            // Hosts join at their own pace; the transport waits for all before it returns.
            joining.add(starter.submit(() -> new NatsTransport(nc, run, local, 6, timeoutMs, chunkFloats, false)));
        }
        List<NatsTransport> hosts = new ArrayList<>();
        for (Future<NatsTransport> f : joining) {
            hosts.add(f.get());
        }
        starter.shutdown();
        try {
            return runAll(s -> hosts.get(s / 2), body);
        } finally {
            for (NatsTransport t : hosts) {
                t.close();
            }
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    static List<Object> local(PerSentron body) throws Exception {
        LocalTransport t = new LocalTransport(10_000);
        return runAll(s -> t, body);
    }

    static List<Object> runAll(java.util.function.IntFunction<Transport> host, PerSentron body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(ALL.size());
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (int s : ALL) {
                fs.add(pool.submit(() -> body.run(host.apply(s), s)));
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : fs) {
                try {
                    out.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    out.add(e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static float[] values(int self, int n) {
        Random r = new Random(self * 7919L + n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** Small tiles take the direct exchange, large ones reduce-scatter + all-gather; chunked frames in both. */
    @ParameterizedTest
    @ValueSource(ints = {1, 17, 4096, 256 * 256})
    void allReduceGivesTheSameBitsAsTheLocalTransport(int n) throws Exception {
        for (ReduceOp op : ReduceOp.values()) {
            PerSentron body = (t, s) -> {
                Transport.Message m = new Transport.Message(1, n, values(s, n));
                t.allReduce(s, ALL, 3, op, m);
                return m.data();
            };
            List<Object> want = local(body);
            List<Object> got = onHosts(1000, 10_000, body);
            for (int s : ALL) {
                assertArrayEquals((float[]) want.get(0), (float[]) got.get(s), op + " n=" + n + " on sentron " + s);
            }
        }
    }

    @Test
    void reduceScatterGivesEachMemberItsSegmentReducedInRankOrder() throws Exception {
        int n = 1000; // not a multiple of 6: segments of 166 and 167
        List<Object> got = onHosts(50, 10_000, (t, s) -> ((NatsTransport) t).reduceScatter(s, ALL, 4, ReduceOp.SUM,
                new Transport.Message(1, n, values(s, n))).data());
        int at = 0;
        for (int s : ALL) {
            float[] seg = (float[]) got.get(s);
            assertEquals((long) n * (s + 1) / 6 - (long) n * s / 6, seg.length);
            for (int i = 0; i < seg.length; i++) {
                float want = 0;
                for (int m : ALL) {
                    want = m == 0 ? values(m, n)[at + i] : want + values(m, n)[at + i];
                }
                assertEquals(want, seg[i], 0f, "sentron " + s + " value " + i);
            }
            at += seg.length;
        }
        assertEquals(n, at);
    }

    @Test
    void sendReceiveKeepsOrderAcrossHostsAndWithinOne() throws Exception {
        List<Object> got = onHosts(100, 10_000, (t, s) -> {
            int to = (s + 3) % 6; // another host
            int local = s ^ 1;     // the same host
            for (int k = 0; k < 20; k++) {
                t.send(s, to, 1, new Transport.Message(2, 150, filled(300, s * 1000 + k)));
                t.send(s, local, 2, new Transport.Message(1, 1, new float[] {s * 1000 + k}));
            }
            List<Float> seen = new ArrayList<>();
            for (int k = 0; k < 20; k++) {
                Transport.Message a = t.receive(s, (s + 3) % 6, 1);
                assertEquals(300, a.data().length);
                assertTrue(IntStream.range(0, 300).allMatch(i -> a.data()[i] == a.data()[0]));
                seen.add(a.data()[0]);
                seen.add(t.receive(s, s ^ 1, 2).data()[0]);
            }
            return seen;
        });
        for (int s : ALL) {
            @SuppressWarnings("unchecked") List<Float> seen = (List<Float>) got.get(s);
            for (int k = 0; k < 20; k++) {
                assertEquals(((s + 3) % 6) * 1000 + k, seen.get(2 * k), 0f);
                assertEquals((s ^ 1) * 1000 + k, seen.get(2 * k + 1), 0f);
            }
        }
    }

    @Test
    void aFastSenderWaitsForASlowReceiver() throws Exception {
        // 64 tiles of 256 KiB = 16 MiB window x 1 (the window holds 64 tiles): the 129th send must wait for receives.
        List<Object> got = onHosts(0, 20_000, (t, s) -> {
            if (s == 0) {
                long t0 = System.nanoTime();
                for (int k = 0; k < 96; k++) {
                    t.send(0, 5, 0, new Transport.Message(256, 256, filled(65536, k)));
                }
                return (System.nanoTime() - t0) / 1_000_000;
            }
            if (s == 5) {
                Thread.sleep(800);
                float sum = 0;
                for (int k = 0; k < 96; k++) {
                    sum += t.receive(5, 0, 0).data()[0];
                }
                return sum;
            }
            return null;
        });
        assertTrue((Long) got.get(0) >= 500, "the sender was held back by the window: " + got.get(0) + " ms");
        assertEquals(96 * 95 / 2f, (Float) got.get(5), 0f);
    }

    @Test
    void broadcastAllGatherAndBarrierMatchTheLocalTransport() throws Exception {
        PerSentron body = (t, s) -> {
            t.barrier(s, ALL, 1);
            Transport.Message b = t.broadcast(s, ALL, 1, 4, new Transport.Message(2, 3, values(s, 6)));
            Transport.Message g = t.allGather(s, ALL, 1, new Transport.Message(1, 5, values(s, 5)));
            t.barrier(s, ALL, 1);
            float[] both = new float[b.data().length + g.data().length];
            System.arraycopy(b.data(), 0, both, 0, b.data().length);
            System.arraycopy(g.data(), 0, both, b.data().length, g.data().length);
            return both;
        };
        List<Object> want = local(body);
        List<Object> got = onHosts(2, 10_000, body);
        for (int s : ALL) {
            assertArrayEquals((float[]) want.get(s), (float[]) got.get(s), "sentron " + s);
        }
    }

    @Test
    void aPeerThatNeverComesIsAnErrorWithinTheTimeoutNotAHang() throws Exception {
        long t0 = System.nanoTime();
        List<Object> got = onHosts(0, 700, (t, s) -> {
            if (s == 5) {
                return null; // "killed": never joins
            }
            t.allReduce(s, ALL, 2, ReduceOp.SUM, new Transport.Message(1, 4, values(s, 4)));
            return "joined";
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (int s = 0; s < 5; s++) {
            VtpuRuntimeException e = assertInstanceOf(VtpuRuntimeException.class, got.get(s));
            assertTrue(e.getMessage().contains("nothing from sentron 5 within 700 ms"), e.getMessage());
        }
        assertTrue(ms < 5_000, "within the timeout, not a hang: " + ms + " ms");
    }

    @Test
    void anAbortOnOneHostStopsTheOthersAtOnce() throws Exception {
        long t0 = System.nanoTime();
        List<Object> got = onHosts(0, 30_000, (t, s) -> {
            if (s == 5) {
                Thread.sleep(200);
                t.abort("sentron 5 failed");
                throw new IllegalStateException("sentron 5 failed");
            }
            t.barrier(s, ALL, 2);
            return "passed";
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        for (int s = 0; s < 4; s++) {
            VtpuRuntimeException e = assertInstanceOf(VtpuRuntimeException.class, got.get(s), "sentron " + s);
            assertTrue(e.getMessage().contains("stopped: sentron 5 failed"), e.getMessage());
        }
        assertTrue(ms < 10_000, "long before the 30 s timeout: " + ms + " ms");
    }

    static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}

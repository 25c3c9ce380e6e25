package ai.vtpu.cluster.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.vtpu.cluster.nats.NatsConnections;
import ai.vtpu.cluster.nats.NatsServerProcess;
import ai.vtpu.isa.asm.Loader;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.exec.Machine;
import io.nats.client.Connection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A program's sentrons spread over "hosts" (own NATS connection and transport each) give the one-host result, bit for bit. */
class DistributedRunTest {
    static NatsServerProcess nats;
    static int runs;

    @BeforeAll
    static void start() {
        nats = NatsServerProcess.start();
    }

    @AfterAll
    static void stop() {
        nats.close();
    }

    static Map<String, HostTensor> inputs(Program p, long seed) {
        Random r = new Random(seed);
        Map<String, HostTensor> in = new LinkedHashMap<>();
        for (TensorDecl t : p.tensors()) {
            if (t.role().isInput()) {
                in.put(t.name(), HostTensor.gaussian(r, t.shape()));
            }
        }
        return in;
    }

    /** Runs {@code p} on {@code n} sentrons split into {@code hosts} hosts, each with its own connection and transport. */
    static Map<String, HostTensor> spread(Program p, Map<String, HostTensor> in, int n, int hosts) throws Exception {
        String run = "dist-" + (runs++);
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        List<Connection> conns = new ArrayList<>();
        try {
            List<Future<Machine.Part>> parts = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                Set<Integer> local = new java.util.HashSet<>();
                for (int s = 0; s < n; s++) {
                    if (s * hosts / n == h) {
                        local.add(s);
                    }
                }
                // Without echo, as node agents connect (NatsTransportTest covers connections with echo).
                Connection nc = NatsConnections.connect(nats.url(), "host-" + h, false);
                conns.add(nc);
                parts.add(pool.submit(() -> {
                    try (NatsTransport t = new NatsTransport(nc, run, local, n, 10_000)) {
                        var r = Machine.run(p, in, Machine.Options.of(n).part(local, t));
                        return new Machine.Part(local, r.outputs());
                    }
                }));
            }
            List<Machine.Part> done = new ArrayList<>();
            for (Future<Machine.Part> f : parts) {
                done.add(f.get());
            }
            return Machine.merge(p, n, done);
        } finally {
            pool.shutdownNow();
            for (Connection c : conns) {
                c.close();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 4})
    void dataParallelGemmCombinedByAllReduceOverHostsEqualsOneHost(int hosts) throws Exception {
        Program p = Loader.load(Path.of("..", "examples", "dp_gemm.siwa")).program();
        Map<String, HostTensor> in = inputs(p, 11);
        HostTensor want = Machine.run(p, in, Machine.Options.of(4)).outputs().get("C");
        HostTensor got = spread(p, in, 4, hosts).get("C");
        assertArrayEquals(want.data(), got.data(), "the all-reduce sums in rank order over NATS as in memory");
        // And the result is the product (float sums in another order: within rounding).
        float[] a = in.get("A").data();
        float[] b = in.get("B").data();
        for (int i = 0; i < 128; i += 37) {
            for (int j = 0; j < 128; j += 29) {
                double s = 0;
                for (int k = 0; k < 256; k++) {
                    s += (double) a[i * 256 + k] * b[k * 128 + j];
                }
                assertEquals(s, got.data()[i * 128 + j], 1e-3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void rowSplitOutputsAreMergedFromTheHostsThatHoldThem(int hosts) throws Exception {
        Program p = Loader.load(Path.of("..", "examples", "mlp.siwa")).program();
        Map<String, HostTensor> in = inputs(p, 12);
        HostTensor want = Machine.run(p, in, Machine.Options.of(3)).outputs().get("y");
        assertArrayEquals(want.data(), spread(p, in, 3, hosts).get("y").data());
    }
}

package ai.vtpu.cluster.nats;

import ai.vtpu.cluster.protocol.ClusterException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real {@code nats-server} with JetStream, started as a child process on a free loopback port with its own store
 * directory, and stopped (store removed unless it was given) on close. Used by the tests and by the local cluster.
 */
public final class NatsServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path storeDir;
    private final boolean ownStore;
    private final Path log;

    private NatsServerProcess(Process process, int port, Path storeDir, boolean ownStore, Path log) {
        this.process = process;
        this.port = port;
        this.storeDir = storeDir;
        this.ownStore = ownStore;
        this.log = log;
    }

    /** On a free port with a temporary store. */
    public static NatsServerProcess start() {
        return start(0, null);
    }

    /**
     * @param port 0 for a free one
     * @param store the JetStream directory to keep, or null for a temporary one removed on close
     */
    public static NatsServerProcess start(int port, Path store) {
        String binary = findBinary();
        try {
            int p = port != 0 ? port : freePort();
            boolean own = store == null;
            Path dir = own ? Files.createTempDirectory("vtpu-nats-") : Files.createDirectories(store);
            Path log = dir.resolve("nats-server.log");
            Process proc = new ProcessBuilder(List.of(binary, "-a", "127.0.0.1", "-p", Integer.toString(p), "-js", "-sd",
                    dir.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            NatsServerProcess s = new NatsServerProcess(proc, p, dir, own, log);
            s.awaitReady();
            return s;
        } catch (IOException e) {
            throw new ClusterException("cannot start nats-server: " + e.getMessage(), e);
        }
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/sbin").split(":")) {
            Path p = Path.of(dir, "nats-server");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String p : List.of("/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new ClusterException("nats-server is not installed (not on PATH): install it with "
                + "'apt-get install -y nats-server' (Debian) or from https://nats.io; the cluster tests and the local cluster need it");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new ClusterException("nats-server exited with " + process.exitValue() + " at start; its log:\n" + tail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        close();
        throw new ClusterException("nats-server did not listen on port " + port + " within 10 s; its log:\n" + tail());
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        if (ownStore) {
            try (Stream<Path> files = Files.walk(storeDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory left behind is harmless
            }
        }
    }
}

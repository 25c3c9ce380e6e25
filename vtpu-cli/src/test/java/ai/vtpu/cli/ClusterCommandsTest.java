package ai.vtpu.cli;

import static ai.vtpu.cli.VtpuCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster commands' own errors. Their work against a real scheduler is checked end to end by
 * scripts/cluster-smoke.sh (CI runs it), and the API they call by scheduler-svc's tests.
 */
class ClusterCommandsTest {
    @Test
    void anUnreachableSchedulerIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        VtpuCommandTest.Result r = run("nodes", "--server", "http://127.0.0.1:" + port);
        assertEquals(VtpuCommand.EXIT_INPUT, r.code());
        assertTrue(r.err().contains("cannot reach the scheduler at http://127.0.0.1:" + port), r.err());
        assertTrue(r.err().contains("scripts/local-cluster.sh"), r.err());
    }

    @Test
    void aProgramOfUnknownKindIsRefusedBeforeAnythingIsSent(@TempDir Path dir) throws Exception {
        Path p = Files.writeString(dir.resolve("model.tflite"), "x");
        VtpuCommandTest.Result r = run("submit", p.toString(), "--server", "http://127.0.0.1:1");
        assertEquals(VtpuCommand.EXIT_INPUT, r.code());
        assertTrue(r.err().contains("expected a name ending in .onnx, .ir, .siwa or .siw"), r.err());
    }

    @Test
    void theCommandsAreListedInTheHelp() {
        String help = run("--help").out();
        for (String c : new String[] {"submit", "status", "fetch", "nodes"}) {
            assertTrue(help.contains(c), c + " in " + help);
        }
    }
}

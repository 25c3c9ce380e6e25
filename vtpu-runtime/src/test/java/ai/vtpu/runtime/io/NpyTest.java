package ai.vtpu.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @Test
    void writeThenReadRoundTrips(@TempDir Path dir) {
        HostTensor t = new HostTensor(List.of(2, 3), new float[] {1, 2, 3, 4, 5, -6.5f});
        Path f = dir.resolve("t.npy");
        Npy.write(f, t);
        HostTensor back = Npy.read(f);
        assertEquals(t.shape(), back.shape());
        assertArrayEquals(t.data(), back.data());
        byte[] bytes = Npy.toBytes(t);
        assertEquals(0, (bytes.length - 24) % 64, "header padded to 64 bytes as NumPy does");
    }

    @Test
    void readsWhatNumpyWritesIfPythonIsHere(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("np.npy");
        Process p = new ProcessBuilder("python3", "-c",
                "import numpy as np; np.save('" + f + "', np.arange(6, dtype=np.float64).reshape(3, 2) / 4)")
                .redirectErrorStream(true).start();
        if (p.waitFor() != 0 || !Files.exists(f)) {
            // Without numpy the format is still covered by the hand-built files below.
            org.junit.jupiter.api.Assumptions.abort("python3 with numpy is not installed");
        }
        HostTensor t = Npy.read(f);
        assertEquals(List.of(3, 2), t.shape());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, t.data());
    }

    @Test
    void badFilesGiveClearErrors() {
        assertTrue(assertThrows(VtpuRuntimeException.class, () -> Npy.parse(new byte[] {1, 2, 3}, "x.npy")).getMessage()
                .contains("not a .npy file"));
        byte[] good = Npy.toBytes(new HostTensor(List.of(4), new float[] {1, 2, 3, 4}));
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 3);
        assertTrue(assertThrows(VtpuRuntimeException.class, () -> Npy.parse(truncated, "x.npy")).getMessage()
                .contains("promises 4 elements"));
        byte[] complex = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("<f4", "<c8")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(assertThrows(VtpuRuntimeException.class, () -> Npy.parse(complex, "x.npy")).getMessage()
                .contains("dtype '<c8' is not supported"));
    }
}

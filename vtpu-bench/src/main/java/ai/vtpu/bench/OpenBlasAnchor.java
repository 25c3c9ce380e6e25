package ai.vtpu.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The OpenBLAS anchor: SGEMM through numpy in the machine's python3, measured in the same run as vTPU.
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed for this process alone (they pin old kernels on some
 * machines), the thread count is set, and the kernel OpenBLAS reports is printed with the figure.
 */
public final class OpenBlasAnchor {
    private static final String SCRIPT = """
            import sys, time
            import numpy as np
            n, reps = int(sys.argv[1]), int(sys.argv[2])
            rng = np.random.default_rng(0)
            a = rng.standard_normal((n, n), dtype=np.float32); b = rng.standard_normal((n, n), dtype=np.float32)
            c = a @ b
            it = max(1, int(2e9 / (2 * n ** 3)))
            rates = []
            for _ in range(reps):
                t = time.perf_counter()
                for _ in range(it):
                    a @ b
                rates.append(2 * n ** 3 * it / (time.perf_counter() - t) / 1e9)
            rates.sort()
            core = 'unknown'
            try:
                cfg = np.show_config(mode='dicts')
                core = str(cfg.get('Build Dependencies', {}).get('blas', {}).get('name', 'unknown'))
            except Exception:
                pass
            try:
                import ctypes, glob, os
                libs = glob.glob(os.path.join(os.path.dirname(np.__file__), '..', 'numpy.libs', 'libscipy_openblas*.so*'))
                if libs:
                    lib = ctypes.CDLL(libs[0])
                    for f in ('scipy_openblas_get_corename64_', 'openblas_get_corename64_', 'openblas_get_corename'):
                        if hasattr(lib, f):
                            fn = getattr(lib, f); fn.restype = ctypes.c_char_p; core = core + ' ' + fn().decode(); break
            except Exception:
                pass
            print(rates[len(rates) // 2], np.__version__, core)
            """;

    /** A measurement: median GFLOP/s and what produced it. */
    public record Result(double gflops, String description) {
    }

    private OpenBlasAnchor() {
    }

    /** @return the median GFLOP/s of {@code reps} runs, or empty with the reason printed by the caller */
    public static Optional<Result> sgemm(int n, int threads, int reps, StringBuilder why) {
        ProcessBuilder pb = new ProcessBuilder("python3", "-c", SCRIPT, Integer.toString(n), Integer.toString(reps));
        Map<String, String> env = pb.environment();
        env.remove("OPENBLAS_CORETYPE");
        env.remove("OPENBLAS_L2_SIZE");
        env.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        env.put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.redirectErrorStream(true);
        try {
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why.append("OpenBLAS anchor skipped: python3 with numpy did not run (").append(lastLine(out)).append(')');
                return Optional.empty();
            }
            String[] parts = lastLine(out).split(" ", 3);
            return Optional.of(new Result(Double.parseDouble(parts[0]), "numpy " + parts[1] + ", " + (parts.length > 2 ? parts[2] : "")
                    + ", " + threads + " thread(s)"));
        } catch (IOException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            why.append("OpenBLAS anchor skipped: ").append(e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why.append("OpenBLAS anchor interrupted");
            return Optional.empty();
        }
    }

    private static String lastLine(String s) {
        int nl = s.lastIndexOf('\n');
        return nl < 0 ? s : s.substring(nl + 1);
    }
}

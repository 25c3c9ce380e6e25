package ai.vtpu.runtime.telemetry;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Hardware counters of the calling thread (cycles, instructions, cache references and misses) through
 * perf_event_open(2), called with FFM. Where the kernel offers no PMU (as in many VMs) or forbids it,
 * {@link #available()} is false and {@link #status()} says why; no figure is ever invented.
 */
public final class PerfCounters implements AutoCloseable {
    private static final long SYS_PERF_EVENT_OPEN = 298; // x86-64
    private static final String[] NAMES = {"cycles", "instructions", "cache-references", "cache-misses"};
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SYSCALL;
    private static final MethodHandle READ;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle sys = null;
        MethodHandle read = null;
        MethodHandle close = null;
        try {
            var lookup = LINKER.defaultLookup();
            sys = LINKER.downcallHandle(lookup.find("syscall").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
            read = LINKER.downcallHandle(lookup.find("read").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            close = LINKER.downcallHandle(lookup.find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        } catch (RuntimeException | LinkageError e) {
            sys = null;
        }
        SYSCALL = sys;
        READ = read;
        CLOSE = close;
    }

    /** Set once the kernel said it has no such event: that does not change while the process lives, so later runs skip the calls. */
    private static volatile String absent;

    private final int[] fds = {-1, -1, -1, -1};
    private final long[] start = new long[4];
    private final String status;

    private PerfCounters() {
        this.status = openAll();
    }

    private PerfCounters(String status) {
        this.status = status;
    }

    /** Counters deliberately not opened, with the reason as their status. */
    public static PerfCounters skipped(String why) {
        return new PerfCounters(why);
    }

    /** Opens the four counters for the calling thread and starts counting. */
    public static PerfCounters start() {
        PerfCounters p = new PerfCounters();
        if (p.available()) {
            for (int i = 0; i < 4; i++) {
                p.start[i] = p.read(i);
            }
        }
        return p;
    }

    private String openAll() {
        String known = absent;
        if (known != null) {
            return known;
        }
        if (SYSCALL == null) {
            return "unavailable: perf_event_open cannot be called on this platform";
        }
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            return "unavailable: perf_event_open is wired for x86-64 only";
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(128, 8);
            MemorySegment state = arena.allocate(CALL_STATE);
            for (int i = 0; i < 4; i++) {
                attr.fill((byte) 0);
                attr.set(ValueLayout.JAVA_INT, 0, 0); // PERF_TYPE_HARDWARE
                attr.set(ValueLayout.JAVA_INT, 4, 128);
                attr.set(ValueLayout.JAVA_LONG, 8, i); // config: the event
                attr.set(ValueLayout.JAVA_LONG, 40, (1L << 5) | (1L << 6)); // exclude_kernel | exclude_hv
                long fd = (long) SYSCALL.invokeExact(state, SYS_PERF_EVENT_OPEN, attr, 0, -1, -1, 0L);
                if (fd < 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    close();
                    String why = "unavailable: perf_event_open(" + NAMES[i] + ") failed with errno " + errno + " ("
                            + switch (errno) {
                                case 2, 95 -> "the kernel exposes no such hardware event: no PMU, as in many VMs";
                                case 1, 13 -> "not permitted: see /proc/sys/kernel/perf_event_paranoid";
                                case 38 -> "the kernel has no perf events";
                                default -> "see perf_event_open(2)";
                            } + ")";
                    if (errno == 2 || errno == 95 || errno == 38) {
                        absent = why;
                    }
                    return why;
                }
                fds[i] = (int) fd;
            }
            return "available";
        } catch (Throwable e) {
            close();
            return "unavailable: " + e;
        }
    }

    public boolean available() {
        return fds[3] >= 0;
    }

    public String status() {
        return status;
    }

    private long read(int i) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8);
            long n = (long) READ.invokeExact(fds[i], buf, 8L);
            return n == 8 ? buf.get(ValueLayout.JAVA_LONG, 0) : -1;
        } catch (Throwable e) {
            return -1;
        }
    }

    /** Counts since {@link #start()}: cycles, instructions, cache references, cache misses; null when unavailable. */
    public long[] elapsed() {
        if (!available()) {
            return null;
        }
        long[] out = new long[4];
        for (int i = 0; i < 4; i++) {
            out[i] = read(i) - start[i];
        }
        return out;
    }

    @Override
    public void close() {
        for (int i = 0; i < 4; i++) {
            if (fds[i] >= 0) {
                try {
                    int ignored = (int) CLOSE.invokeExact(fds[i]);
                } catch (Throwable e) {
                    // nothing left to do with a descriptor that will not close
                }
                fds[i] = -1;
            }
        }
    }
}

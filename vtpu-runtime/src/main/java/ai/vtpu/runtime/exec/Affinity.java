package ai.vtpu.runtime.exec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/** Pins the calling thread to one CPU with sched_setaffinity(2) through FFM, where the OS allows. */
final class Affinity {
    private static final MethodHandle SETAFFINITY = lookup("sched_setaffinity");
    private static final MethodHandle GETAFFINITY = lookup("sched_getaffinity");
    /** A cpu_set_t of 1024 CPUs. */
    private static final int MASK_BYTES = 128;

    private Affinity() {
    }

    private static MethodHandle lookup(String name) {
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> f = linker.defaultLookup().find(name);
            return f.map(seg -> linker.downcallHandle(seg, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS))).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** The calling thread's CPU mask (1024 CPUs), to give back with {@link #restore}; null when it cannot be read. */
    static byte[] current() {
        if (GETAFFINITY == null) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(MASK_BYTES);
            int rc = (int) GETAFFINITY.invokeExact(0, (long) MASK_BYTES, mask);
            return rc == 0 ? mask.toArray(ValueLayout.JAVA_BYTE) : null;
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Gives the calling thread back a mask {@link #current} read, or lets it run on every CPU when there is none
     * (threads inherit the affinity of their creator).
     */
    static void restore(byte[] saved) {
        if (SETAFFINITY == null) {
            return;
        }
        byte[] mask = saved;
        if (mask == null) {
            mask = new byte[MASK_BYTES];
            java.util.Arrays.fill(mask, (byte) 0xFF);
        }
        try {
            set(mask);
        } catch (Throwable e) {
            // staying pinned is harmless, only slower
        }
    }

    /** @return "cpu N" when pinned, otherwise the reason it is not */
    static String pin(int cpu) {
        if (SETAFFINITY == null) {
            return "not pinned: sched_setaffinity is not available on this OS";
        }
        byte[] mask = new byte[MASK_BYTES];
        mask[cpu / 8] = (byte) (1 << (cpu % 8));
        try {
            return set(mask) == 0 ? "cpu " + cpu : "not pinned: sched_setaffinity refused cpu " + cpu;
        } catch (Throwable e) {
            return "not pinned: " + e.getMessage();
        }
    }

    /** sched_setaffinity(2) of the calling thread; its return code. */
    private static int set(byte[] mask) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            return (int) SETAFFINITY.invokeExact(0, (long) MASK_BYTES, arena.allocateFrom(ValueLayout.JAVA_BYTE, mask));
        }
    }
}

package ai.vtpu.runtime.exec;

import ai.vtpu.isa.siw.SOp;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The S pipe's queue and its worker thread: ops are issued in order by the dispatch thread and retire in
 * order on the worker, so S work (gathers of the next tile, scatters of the last) overlaps the D pipe.
 * Tags implement the waits of docs/ISA.md §1.3: for each tag, the sequence number of the last op that
 * signalled it; a wait spins (then parks) until the retired count passes it.
 */
final class SPipe implements AutoCloseable {
    private static final int CAPACITY = 64;
    /** Busy-wait this long, then yield (the other thread may share the core) until YIELD_NANOS, then park. */
    private static final long SPIN_NANOS = 5_000;
    private static final long YIELD_NANOS = 100_000;
    private static final VarHandle RETIRED;
    private static final VarHandle ISSUED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RETIRED = l.findVarHandle(SPipe.class, "retired", long.class);
            ISSUED = l.findVarHandle(SPipe.class, "issued", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Executes one S op; runs on the worker thread. */
    interface Executor {
        void execute(SOp op, int siw);
    }

    private final SOp[] ops = new SOp[CAPACITY];
    private final int[] siws = new int[CAPACITY];
    private final long[] tagSeq = new long[8];
    private final Executor executor;
    /** The worker's run (on a thread of a session's pool, or on a thread of its own); null when ops run at issue. */
    private final java.util.concurrent.Future<?> worker;
    private final Stats stats;
    @SuppressWarnings("unused")
    private volatile long issued;
    @SuppressWarnings("unused")
    private volatile long retired;
    private volatile Thread parkedWorker;
    private volatile Thread parkedIssuer;
    private volatile boolean stopping;
    private volatile RuntimeException fault;
    private volatile int faultSiw = -1;

    /** Counters the worker and the issuer keep for telemetry. */
    static final class Stats {
        /** Whether ops run inline are timed (not in a loaded session's short runs: two clock reads per op). */
        boolean timed = true;
        long issueStallNanos;
        long waitStallNanos;
        volatile long workerCpuNanos;
        /** Busy time per S opcode; their sum is the S pipe's busy time. */
        final OpClock byOp = new OpClock();
    }

    /**
     * @param inline run each op at issue on the calling thread instead of on a worker: the right choice when
     *     there is no spare hardware thread for the S pipe, where handing ops over costs more than it overlaps
     */
    SPipe(String name, Executor executor, Stats stats, boolean inline) {
        this(name, executor, stats, inline, null);
    }

    /** @param threads where the worker runs (a loaded session keeps them between runs); null starts a thread */
    SPipe(String name, Executor executor, Stats stats, boolean inline, java.util.concurrent.ExecutorService threads) {
        this.executor = executor;
        this.stats = stats;
        if (inline) {
            this.worker = null;
        } else if (threads != null) {
            this.worker = threads.submit(this::workLoop);
        } else {
            java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(this::workLoop, null);
            Thread.ofPlatform().name(name).daemon(true).start(task);
            this.worker = task;
        }
    }

    private long issuedPlain() {
        return (long) ISSUED.getOpaque(this);
    }

    private long retiredAcquire() {
        return (long) RETIRED.getAcquire(this);
    }

    /** Queues {@code op} (from SIW {@code siw}); blocks while the queue is full. */
    void issue(SOp op, int siw) {
        checkFault();
        if (worker == null) {
            long t0 = stats.timed ? System.nanoTime() : 0;
            try {
                executor.execute(op, siw);
            } catch (RuntimeException e) {
                faultSiw = siw;
                fault = e;
                checkFault();
            } catch (OutOfMemoryError e) { // an ALLOC too large for this host is the program's fault, as on the worker
                faultSiw = siw;
                fault = new VtpuRuntimeException("S pipe failed at SIW " + siw + ": " + e, e);
                checkFault();
            } finally {
                if (stats.timed) {
                    stats.byOp.add(op.opcode(), System.nanoTime() - t0);
                }
            }
            return;
        }
        long seq = issuedPlain();
        if (seq - retiredAcquire() >= CAPACITY) {
            long t0 = System.nanoTime();
            awaitRetired(seq - CAPACITY + 1);
            stats.issueStallNanos += System.nanoTime() - t0;
        }
        int slot = (int) (seq % CAPACITY);
        ops[slot] = op;
        siws[slot] = siw;
        if (op.signal() >= 0) {
            tagSeq[op.signal()] = seq + 1;
        }
        ISSUED.setVolatile(this, seq + 1); // volatile: the parked-worker check below must not pass it
        Thread w = parkedWorker;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** Waits for the last op that signalled each tag in {@code mask}. */
    void waitTags(int mask) {
        if (worker == null) {
            return;
        }
        long target = 0;
        for (int t = 0; t < 8; t++) {
            if ((mask & (1 << t)) != 0) {
                target = Math.max(target, tagSeq[t]);
            }
        }
        waitFor(target);
    }

    /** Waits until every issued op has retired. */
    void drain() {
        if (worker == null) {
            checkFault();
            return;
        }
        waitFor(issuedPlain());
    }

    private void waitFor(long target) {
        if (retiredAcquire() >= target) {
            checkFault();
            return;
        }
        long t0 = System.nanoTime();
        awaitRetired(target);
        stats.waitStallNanos += System.nanoTime() - t0;
        checkFault();
    }

    private void awaitRetired(long target) {
        long start = System.nanoTime();
        while (retiredAcquire() < target) {
            if (fault != null) {
                return;
            }
            if (!spinOrYield(start)) {
                parkedIssuer = Thread.currentThread();
                if (retiredAcquire() < target && fault == null) {
                    LockSupport.parkNanos(100_000);
                }
                parkedIssuer = null;
            }
        }
    }

    /** The first part of every wait: spin, then yield; false once the caller should park instead. */
    private static boolean spinOrYield(long start) {
        long waited = System.nanoTime() - start;
        if (waited < SPIN_NANOS) {
            Thread.onSpinWait();
            return true;
        }
        if (waited < YIELD_NANOS) {
            Thread.yield();
            return true;
        }
        return false;
    }

    /** Drains and returns the fault that stopped the pipe, if any, without throwing it. */
    VtpuRuntimeException drainQuietly() {
        if (worker != null) {
            awaitRetired(issuedPlain());
        }
        RuntimeException f = fault;
        if (f == null) {
            return null;
        }
        return f instanceof VtpuRuntimeException v ? v : new VtpuRuntimeException("S pipe fault at SIW " + faultSiw + ": " + f, f);
    }

    /** The SIW whose S op faulted, or -1. */
    int faultSiw() {
        return faultSiw;
    }

    private void checkFault() {
        RuntimeException f = fault;
        if (f != null) {
            throw f instanceof VtpuRuntimeException v ? v : new VtpuRuntimeException("S pipe fault at SIW " + faultSiw + ": " + f, f);
        }
    }

    private void workLoop() {
        Affinity.restore(null); // not on the D pipe's core: the S pipe is the other hardware thread's work
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime(); // a pool thread has run earlier pipes: count this one only
        long next = 0;
        while (true) {
            long start = System.nanoTime();
            while ((long) ISSUED.getAcquire(this) <= next) {
                if (stopping) {
                    stats.workerCpuNanos = mx.getCurrentThreadCpuTime() - cpu0;
                    return;
                }
                if (!spinOrYield(start)) {
                    parkedWorker = Thread.currentThread();
                    if ((long) ISSUED.getAcquire(this) <= next && !stopping) {
                        LockSupport.parkNanos(1_000_000);
                    }
                    parkedWorker = null;
                }
            }
            int slot = (int) (next % CAPACITY);
            SOp op = ops[slot];
            long t0 = System.nanoTime();
            if (fault == null) {
                try {
                    executor.execute(op, siws[slot]);
                } catch (RuntimeException e) {
                    faultSiw = siws[slot];
                    fault = e;
                } catch (Throwable e) { // an Error must not leave the issuer waiting for ever
                    faultSiw = siws[slot];
                    fault = new VtpuRuntimeException("S pipe failed at SIW " + siws[slot] + ": " + e, e);
                }
            }
            stats.byOp.add(op.opcode(), System.nanoTime() - t0);
            ops[slot] = null;
            next++;
            RETIRED.setVolatile(this, next); // volatile: the parked-issuer check below must not pass it
            Thread p = parkedIssuer;
            if (p != null) {
                LockSupport.unpark(p);
            }
        }
    }

    /** Whether ops run on a worker thread (true) or at issue (false). */
    boolean async() {
        return worker != null;
    }

    @Override
    public void close() {
        stopping = true;
        if (worker == null) {
            return;
        }
        Thread w = parkedWorker;
        if (w != null) {
            LockSupport.unpark(w);
        }
        try {
            worker.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // the worker records its own faults; a worker that does not stop is left to its daemon thread
        }
    }
}

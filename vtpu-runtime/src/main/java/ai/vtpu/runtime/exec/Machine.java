package ai.vtpu.runtime.exec;

import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.Role;
import ai.vtpu.isa.program.Split;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.verify.Diagnostic;
import ai.vtpu.isa.verify.Validator;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.kernel.Kernels;
import ai.vtpu.runtime.kernel.ScalarKernels;
import ai.vtpu.runtime.kernel.VectorKernels;
import ai.vtpu.runtime.memory.Page;
import ai.vtpu.runtime.memory.PhextPageTable;
import ai.vtpu.runtime.memory.PhextPageTable.PageSpec;
import ai.vtpu.runtime.telemetry.RunStats;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a program on N sentrons of this host: validates it, lays out its declared tensors (split ones as
 * one shard per sentron, docs/ISA.md §5.2), copies the inputs in, runs one platform thread per sentron
 * (pinned to a core where the OS allows), and collects the outputs and the statistics.
 */
public final class Machine {

    /**
     * @param sentrons how many sentrons run the program
     * @param reference use the scalar reference kernels instead of the vector ones
     * @param timeoutMillis how long a C op waits for a peer before it faults
     * @param pin pin each sentron's dispatch thread to a core
     */
    public record Options(int sentrons, boolean reference, long timeoutMillis, boolean pin, java.util.Set<Integer> local,
                          Transport transport) {
        public Options {
            if (sentrons < 1 || sentrons > 4096) {
                throw new VtpuRuntimeException("sentrons must be 1..4096, got " + sentrons);
            }
            if (local != null) {
                local = java.util.Set.copyOf(local);
                if (local.isEmpty() || local.stream().anyMatch(s -> s < 0 || s >= sentrons)) {
                    throw new VtpuRuntimeException("the sentrons run here must be a non-empty subset of 0.." + (sentrons - 1)
                            + ", got " + local);
                }
            }
        }

        public Options(int sentrons, boolean reference, long timeoutMillis, boolean pin) {
            this(sentrons, reference, timeoutMillis, pin, null, null);
        }

        public static Options of(int sentrons) {
            return new Options(sentrons, false, 30_000, true);
        }

        /**
         * One host's part of a run whose sentrons are spread over several hosts: this host runs {@code local}, and
         * the C pipe reaches the others through {@code transport}. Outputs hold only the local sentrons' shards;
         * {@link Machine#merge} puts the hosts' parts together.
         */
        public Options part(java.util.Set<Integer> localSentrons, Transport t) {
            return new Options(sentrons, reference, timeoutMillis, pin, localSentrons, t);
        }

        boolean runsHere(int s) {
            return local == null || local.contains(s);
        }
    }

    public record Result(Map<String, HostTensor> outputs, RunStats stats) {
    }

    private Machine() {
    }

    /** One run: lays the program out, copies the inputs in, runs, copies the outputs out, releases everything. */
    public static Result run(Program program, Map<String, HostTensor> inputs, Options options) {
        checkInputs(program, inputs);
        try (Session s = new Session(validated(program), options, true)) {
            inputs.forEach(s::set);
            return s.run();
        }
    }

    /** Validates the program and lays out its tensors once; inputs set on the session stay resident. */
    public static Session open(Program program, Options options) {
        return new Session(validated(program), options, false);
    }

    private static Program validated(Program program) {
        List<Diagnostic> problems = Validator.validate(program);
        if (!problems.isEmpty()) {
            StringBuilder sb = new StringBuilder("the program is invalid (run 'vtpu check' for details):");
            problems.stream().limit(10).forEach(d -> sb.append("\n  ").append(d));
            throw new VtpuRuntimeException(sb.toString());
        }
        return program;
    }

    /**
     * A loaded program: its pages stay allocated between runs, and an input set once (weights) is not copied
     * again. Before each run the pages of outputs and scratch tensors are zero-filled (unless the program
     * writes before it reads, header flag WRITES_FIRST) and pages a previous run ALLOCated are freed, so every
     * run starts from the state the ISA defines. Not thread-safe.
     */
    public static final class Session implements AutoCloseable {
        private final Program program;
        private final Options options;
        private final List<PhextPageTable> tables = new ArrayList<>();
        private final PhextPageTable shared = new PhextPageTable();
        private final java.util.Set<String> set = new java.util.HashSet<>();
        /** Per sentron, kept across runs: the register file and the kernels' scratch buffers (megabytes). */
        private final List<Registers> registers = new ArrayList<>();
        private final List<Kernels> kernels = new ArrayList<>();
        /** One platform thread per sentron, started once: a run hands each its sentron instead of starting threads. */
        private final java.util.concurrent.ExecutorService threads;
        /** The S pipes' workers, likewise kept (used when a sentron has a spare hardware thread for its S pipe). */
        private final java.util.concurrent.ExecutorService sThreads;
        /** Weight tiles with their panel form, kept between runs until an input is set again; null for one run. */
        private final ReadOnlyTiles readOnly;
        /** The SIWs and the order of their ops, worked out once (a thousand-SIW block took about 0.1 ms per run). */
        private final Sentron.Code code;
        /** Sentrons with nothing to do in any run (see {@link Machine#idle}): not run at all. */
        private final boolean[] idle;
        /** The wall time of the previous run, or -1. */
        private long lastWall = -1;
        private boolean timeOps;
        private boolean closed;

        private Session(Program program, Options options, boolean oneShot) {
            this.program = program;
            this.options = options;
            this.readOnly = oneShot ? null : new ReadOnlyTiles();
            this.timeOps = oneShot;
            this.code = Sentron.Code.of(program, options.sentrons());
            this.idle = new boolean[options.sentrons()];
            for (int s = 0; s < idle.length; s++) {
                idle[s] = idle(program, code, options.sentrons(), s);
            }
            int n = options.sentrons();
            this.threads = java.util.concurrent.Executors.newFixedThreadPool(n,
                    Thread.ofPlatform().name("sentron-thread-", 0).daemon(true).factory());
            this.sThreads = java.util.concurrent.Executors.newCachedThreadPool(
                    Thread.ofPlatform().name("s-pipe-thread-", 0).daemon(true).factory());
            try {
                for (int s = 0; s < n; s++) {
                    boolean here = options.runsHere(s);
                    tables.add(here ? new PhextPageTable() : null);
                    registers.add(here ? new Registers() : null);
                    kernels.add(here ? (options.reference() ? new ScalarKernels() : new VectorKernels()) : null);
                }
                layout(program, n, shared, tables);
            } catch (OutOfMemoryError e) {
                close();
                throw new VtpuRuntimeException("the program's tensors do not fit in memory on " + n + " sentron(s): " + e.getMessage());
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        /**
         * Whether runs time every op (the times by opcode and the D and S busy times of their statistics): two
         * clock reads of about 22 ns per op, 1 % of a transformer block's run. Off in a session unless asked for
         * (its busy times are then -1); {@link Machine#run} always times them. Runs after one of under 200 µs
         * never do.
         */
        public Session timeOps(boolean on) {
            this.timeOps = on;
            return this;
        }

        /** Copies an input in; it stays until set again. */
        public void set(String name, HostTensor value) {
            checkOpen();
            checkInputs(program, Map.of(name, value), false);
            TensorDecl t = program.tensor(name).orElseThrow();
            copyIn(t, value, options.sentrons(), shared, tables);
            if (isShared(t) && readOnly != null) {
                for (PhextCoord c : t.pages()) {
                    readOnly.changed(shared.lookup(c, "input").segment().address());
                }
            }
            set.add(name);
        }

        public Result run() {
            checkOpen();
            for (TensorDecl t : program.tensors()) {
                if (t.role().isInput() && !set.contains(t.name())) {
                    throw new VtpuRuntimeException("input " + t.name() + " (" + t.typeText() + ") is missing");
                }
            }
            int n = options.sentrons();
            for (PhextPageTable table : tables) {
                if (table != null) {
                    table.resetToPlaced();
                }
            }
            // A program that writes before it reads (header flag WRITES_FIRST) cannot see what the previous run
            // left in its output and scratch pages (created zero-filled), so they are not filled again.
            for (TensorDecl t : program.tensors()) {
                if (!t.role().isInput() && !program.writesFirst()) {
                    for (PhextCoord c : localPages(t, n)) {
                        for (PhextPageTable table : tables) {
                            if (table != null) {
                                table.lookup(c, "reset").segment().fill((byte) 0);
                            }
                        }
                    }
                }
            }
            long clock0 = System.nanoTime();
            // A session whose runs are short (a batch-1 model: tens of µs) does not read the CPU clock and the
            // counters: 5-8 µs a run. The first run and every run after one of 200 µs or more do.
            boolean measure = readOnly == null || lastWall < 0 || lastWall >= 200_000;
            List<SentronStats> stats = execute(program, code, idle, options, tables, registers, kernels, threads, sThreads, readOnly,
                    measure, measure && timeOps);
            long wall = System.nanoTime() - clock0;
            lastWall = wall;
            if (readOnly != null) {
                readOnly.runDone();
            }
            Map<String, HostTensor> outputs = new LinkedHashMap<>();
            for (TensorDecl t : program.tensors()) {
                if (t.role().isOutput()) {
                    outputs.put(t.name(), copyOut(t, n, tables));
                }
            }
            // An inout tensor now holds its output: it must be set again before the next run.
            for (TensorDecl t : program.tensors()) {
                if (t.role() == Role.INOUT) {
                    set.remove(t.name());
                }
            }
            return new Result(outputs, new RunStats(stats, wall));
        }

        private void checkOpen() {
            if (closed) {
                throw new VtpuRuntimeException("the session is closed");
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            threads.shutdownNow();
            sThreads.shutdownNow();
            // An interrupted run's sentrons stop within 1024 SIWs; their pages must outlive them.
            boolean interrupted = Thread.interrupted();
            try {
                threads.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                sThreads.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            for (PhextPageTable t : tables) {
                if (t != null) {
                    t.close();
                }
            }
            shared.close();
        }
    }

    private static void checkInputs(Program program, Map<String, HostTensor> inputs) {
        checkInputs(program, inputs, true);
    }

    private static void checkInputs(Program program, Map<String, HostTensor> inputs, boolean complete) {
        for (String name : inputs.keySet()) {
            TensorDecl t = program.tensor(name).orElseThrow(() -> new VtpuRuntimeException("input " + name
                    + ": the program declares no tensor of that name (it declares " + names(program) + ")"));
            if (!t.role().isInput()) {
                throw new VtpuRuntimeException("input " + name + ": the tensor is declared " + t.role().label() + ", not input");
            }
            if (!t.shape().equals(inputs.get(name).shape())) {
                throw new VtpuRuntimeException("input " + name + ": shape " + inputs.get(name).shape() + ", the program declares "
                        + t.typeText());
            }
        }
        for (TensorDecl t : program.tensors()) {
            if (complete && t.role().isInput() && !inputs.containsKey(t.name())) {
                throw new VtpuRuntimeException("input " + t.name() + " (" + t.typeText() + ") is missing");
            }
        }
    }

    private static String names(Program p) {
        return p.tensors().stream().map(TensorDecl::name).toList().toString();
    }

    /** One host's share of a run spread over hosts: the sentrons it ran and the outputs it copied out. */
    public record Part(java.util.Set<Integer> sentrons, Map<String, HostTensor> outputs) {
    }

    /**
     * Puts together the outputs of a run spread over hosts: every region of an output comes from the host whose
     * sentron holds it (the rows, columns or pages of its shard; a tensor that is not split, from sentron 0's host).
     */
    public static Map<String, HostTensor> merge(Program program, int n, List<Part> parts) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (TensorDecl t : program.tensors()) {
            if (!t.role().isOutput()) {
                continue;
            }
            float[] data = new float[(int) t.elements()];
            int cols = t.pageColumns();
            int pageSize = t.pageLines() * cols;
            for (int p = 0; p < t.pages().size(); p++) {
                int base = p * pageSize;
                switch (t.split()) {
                    case NONE -> System.arraycopy(from(parts, 0, t), base, data, base, pageSize);
                    case PAGES -> System.arraycopy(from(parts, p / shardPages(t, n), t), base, data, base, pageSize);
                    case ROWS -> {
                        for (int s = 0; s < n; s++) {
                            long[] sh = shard(t.pageLines(), n, s);
                            int at = base + (int) sh[0] * cols;
                            System.arraycopy(from(parts, s, t), at, data, at, (int) sh[1] * cols);
                        }
                    }
                    case COLS -> {
                        for (int s = 0; s < n; s++) {
                            long[] sh = shard(cols, n, s);
                            float[] src = from(parts, s, t);
                            for (int r = 0; r < t.pageLines(); r++) {
                                int at = base + r * cols + (int) sh[0];
                                System.arraycopy(src, at, data, at, (int) sh[1]);
                            }
                        }
                    }
                }
            }
            out.put(t.name(), new HostTensor(t.shape(), data));
        }
        return out;
    }

    private static float[] from(List<Part> parts, int sentron, TensorDecl t) {
        for (Part p : parts) {
            if (p.sentrons().contains(sentron) && p.outputs().containsKey(t.name())) {
                return p.outputs().get(t.name()).data();
            }
        }
        throw new VtpuRuntimeException("output " + t.name() + ": no host reported the shard of sentron " + sentron);
    }

    /** The first line (or column) and count of sentron {@code s}'s shard of {@code total}. */
    static long[] shard(long total, int n, int s) {
        long per = (total + n - 1) / n;
        long start = Math.min(total, per * s);
        return new long[] {start, Math.min(total, start + per) - start};
    }

    /** Pages of one sentron's shard of a split=pages tensor: a full shard's worth, whatever its position. */
    private static int shardPages(TensorDecl t, int n) {
        return (t.shape().get(0) + n - 1) / n * t.pagesPerLead();
    }

    /** The coordinates at which every sentron holds pages of {@code t}. */
    private static List<PhextCoord> localPages(TensorDecl t, int n) {
        return t.split() == Split.PAGES ? t.pages().subList(0, shardPages(t, n)) : t.pages();
    }

    /** Global page {@code p} of a split=pages tensor: the sentron whose shard holds it, at its local index. */
    private static Page pageShard(TensorDecl t, int n, List<PhextPageTable> tables, int p, String what) {
        int per = shardPages(t, n);
        PhextPageTable table = tables.get(p / per);
        return table == null ? null : table.lookup(t.pages().get(p % per), what);
    }

    private static boolean isShared(TensorDecl t) {
        return t.split() == Split.NONE && t.role() == Role.INPUT;
    }

    private static void layout(Program program, int n, PhextPageTable shared, List<PhextPageTable> tables) {
        List<PageSpec> sharedSpecs = new ArrayList<>();
        List<List<PageSpec>> own = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            own.add(new ArrayList<>());
        }
        for (TensorDecl t : program.tensors()) {
            for (PhextCoord c : t.pages()) {
                if (isShared(t)) {
                    sharedSpecs.add(new PageSpec(c, t.dtype(), t.pageLines(), t.pageColumns()));
                    continue;
                }
                if (t.split() == Split.PAGES) {
                    continue;
                }
                for (int s = 0; s < n; s++) {
                    if (tables.get(s) == null) {
                        continue;
                    }
                    long lines = t.split() == Split.ROWS ? shard(t.pageLines(), n, s)[1] : t.pageLines();
                    long cols = t.split() == Split.COLS ? shard(t.pageColumns(), n, s)[1] : t.pageColumns();
                    own.get(s).add(new PageSpec(c, t.dtype(), lines, cols));
                }
            }
        }
        for (TensorDecl t : program.tensors()) {
            if (t.split() != Split.PAGES) {
                continue;
            }
            // Every sentron gets the pages of a full shard (the last one's spare pages stay zero and unused),
            // at the coordinates of the tensor's first pages: its program sees a tensor of ⌈d0/N⌉ leading rows.
            for (int s = 0; s < n; s++) {
                if (tables.get(s) == null) {
                    continue;
                }
                for (PhextCoord c : localPages(t, n)) {
                    own.get(s).add(new PageSpec(c, t.dtype(), t.pageLines(), t.pageColumns()));
                }
            }
        }
        shared.placeAll(sharedSpecs);
        for (int s = 0; s < n; s++) {
            PhextPageTable table = tables.get(s);
            if (table == null) {
                continue; // another host's sentron
            }
            table.placeAll(own.get(s));
            for (PageSpec spec : sharedSpecs) {
                table.map(shared.lookup(spec.coord(), "layout"));
            }
        }
    }

    /** Copies rows [r0, r0+lines) and columns [c0, c0+cols) of page {@code p} of a host tensor into a page. */
    private static void copyIn(TensorDecl t, HostTensor h, int n, PhextPageTable shared, List<PhextPageTable> tables) {
        List<PhextCoord> pages = t.pages();
        long pageSize = (long) t.pageLines() * t.pageColumns();
        for (int p = 0; p < pages.size(); p++) {
            if (t.split() == Split.PAGES) {
                Page page = pageShard(t, n, tables, p, "input");
                if (page != null) {
                    transfer(page, h.data(), p * pageSize, t.pageColumns(), 0, 0, true);
                }
                continue;
            }
            if (isShared(t)) {
                transfer(shared.lookup(pages.get(p), "input"), h.data(), p * pageSize, t.pageColumns(), 0, 0, true);
                continue;
            }
            for (int s = 0; s < n; s++) {
                if (tables.get(s) == null) {
                    continue;
                }
                long r0 = t.split() == Split.ROWS ? shard(t.pageLines(), n, s)[0] : 0;
                long c0 = t.split() == Split.COLS ? shard(t.pageColumns(), n, s)[0] : 0;
                transfer(tables.get(s).lookup(pages.get(p), "input"), h.data(), p * pageSize, t.pageColumns(), r0, c0, true);
            }
        }
    }

    private static HostTensor copyOut(TensorDecl t, int n, List<PhextPageTable> tables) {
        float[] data = new float[(int) t.elements()];
        List<PhextCoord> pages = t.pages();
        long pageSize = (long) t.pageLines() * t.pageColumns();
        for (int p = 0; p < pages.size(); p++) {
            if (t.split() == Split.PAGES) {
                Page page = pageShard(t, n, tables, p, "output");
                if (page != null) {
                    transfer(page, data, p * pageSize, t.pageColumns(), 0, 0, false);
                }
                continue;
            }
            int from = t.split() == Split.NONE ? 0 : n - 1;
            for (int s = 0; s <= from; s++) {
                if (tables.get(s) == null) {
                    continue;
                }
                long r0 = t.split() == Split.ROWS ? shard(t.pageLines(), n, s)[0] : 0;
                long c0 = t.split() == Split.COLS ? shard(t.pageColumns(), n, s)[0] : 0;
                transfer(tables.get(s).lookup(pages.get(p), "output"), data, p * pageSize, t.pageColumns(), r0, c0, false);
            }
        }
        return new HostTensor(t.shape(), data);
    }

    /**
     * Moves a page's worth of values between a host array (row length {@code hostCols}, page starting at
     * {@code base}) and a page that holds the block at (r0, c0) of it.
     */
    private static void transfer(Page page, float[] host, long base, int hostCols, long r0, long c0, boolean in) {
        boolean f32 = page.dtype() == ai.vtpu.isa.siw.DType.F32;
        if (f32 && c0 == 0 && page.columns() == hostCols) {
            // The page's rows are whole host rows, one after the other: one copy (a batch-32 block: 32 calls, not 2048).
            int hostAt = (int) (base + r0 * hostCols);
            int n = (int) page.elements();
            if (in) {
                MemorySegment.copy(host, hostAt, page.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, n);
            } else {
                MemorySegment.copy(page.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, host, hostAt, n);
            }
            return;
        }
        for (long r = 0; r < page.lines(); r++) {
            int hostAt = (int) (base + (r0 + r) * hostCols + c0);
            if (f32) {
                long off = r * page.columns() * 4;
                if (in) {
                    MemorySegment.copy(host, hostAt, page.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, off, (int) page.columns());
                } else {
                    MemorySegment.copy(page.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, off, host, hostAt, (int) page.columns());
                }
                continue;
            }
            for (long c = 0; c < page.columns(); c++) {
                if (in) {
                    page.set(r, c, host[hostAt + (int) c]);
                } else {
                    host[hostAt + (int) c] = page.get(r, c);
                }
            }
        }
    }

    /**
     * Whether sentron {@code s} of {@code n} has nothing observable to do: the program divides at least one
     * tensor, this sentron's shard of every divided tensor is empty (a batch of 1 on 2 sentrons), and no op
     * reaches another sentron. It would compute on its spare (zero) pages and produce only shards that are
     * not returned, while a non-split output is taken from sentron 0; skipping it spares waking its thread.
     */
    static boolean idle(Program program, Sentron.Code code, int n, int s) {
        if (!code.selfContained || s == 0) {
            return false;
        }
        boolean divided = false;
        for (TensorDecl t : program.tensors()) {
            long total = switch (t.split()) {
                case NONE -> -1;
                case ROWS -> t.pageLines();
                case COLS -> t.pageColumns();
                case PAGES -> t.shape().get(0);
            };
            if (total < 0) {
                continue;
            }
            divided = true;
            if (shard(total, n, s)[1] > 0) {
                return false;
            }
        }
        return divided;
    }

    /** The first failure of a run is the one reported; the other sentrons are stopped rather than left to time out. */
    private static void fail(AtomicReference<Throwable> failure, Transport transport, Throwable e, String why) {
        if (failure.compareAndSet(null, e)) {
            transport.abort(why);
        }
    }

    /** A sentron handed to the pool; whichever thread sets {@code taken} first runs it. */
    private record Pending(int id, Sentron sentron, java.util.concurrent.atomic.AtomicBoolean taken) {
    }

    /** How long the calling thread spins for the pool's sentrons to finish before it waits to be notified. */
    static final long END_SPIN_NANOS = 200_000;

    private static List<SentronStats> execute(Program program, Sentron.Code code, boolean[] idle, Options options,
                                              List<PhextPageTable> tables,
                                              List<Registers> registers, List<Kernels> kernels,
                                              java.util.concurrent.ExecutorService pool,
                                              java.util.concurrent.ExecutorService sThreads, ReadOnlyTiles readOnly,
                                              boolean measure, boolean timeOps) {
        int n = options.sentrons();
        Transport transport = options.transport() != null ? options.transport() : new LocalTransport(options.timeoutMillis());
        SentronStats[] stats = new SentronStats[n];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Counts the pool's sentrons out: an interrupted run returns only once they have stopped, so none is
        // left running on the session's registers and pages under its next run.
        java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
        Object stopped = new Object();
        java.util.Set<Thread> onPool = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Pending> unstarted = new ArrayList<>();
        int cpus = Runtime.getRuntime().availableProcessors();
        // The calling thread runs the first local sentron itself, so a small run does not pay for waking a pool
        // thread and being woken by it; the others go to the pool. The calling thread is pinned only once its run
        // proves long (Sentron.PIN_AFTER SIWs), and gets its own CPU mask back after it.
        Sentron mine = null;
        int mineId = -1;
        for (int s = 0; s < n && failure.get() == null; s++) {
            if (!options.runsHere(s)) {
                continue;
            }
            if (idle[s]) {
                stats[s] = SentronStats.notRun(s, "idle: its shard of every divided tensor is empty, so it was not run");
                continue;
            }
            int id = s;
            Sentron sentron;
            try {
                sentron = new Sentron(id, n, code, program, tables.get(s), kernels.get(s), transport, registers.get(s), sThreads,
                        readOnly, measure, timeOps);
            } catch (RuntimeException e) {
                // Those already started would wait for this one in their first collective: stop them.
                fail(failure, transport, e, "sentron " + id + " could not be set up");
                break;
            }
            if (mine == null) {
                mine = sentron;
                mineId = id;
                continue;
            }
            // The pool has a thread per sentron and gets fewer tasks, so all sentrons run at once (they may
            // wait on each other in collectives); a pool thread is pinned to the core of the sentron it runs.
            live.incrementAndGet();
            java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
            unstarted.add(new Pending(id, sentron, taken));
            Runnable task = () -> {
                if (!taken.compareAndSet(false, true)) {
                    return; // the calling thread took it (ran or dropped it) and counted it out
                }
                onPool.add(Thread.currentThread());
                try {
                    String pinning = options.pin() ? Affinity.pin(id % cpus) : "not pinned (disabled)";
                    stats[id] = sentron.run(pinning);
                } catch (Throwable e) {
                    fail(failure, transport, e, "sentron " + id + " failed");
                } finally {
                    onPool.remove(Thread.currentThread());
                    synchronized (stopped) {
                        live.decrementAndGet();
                        stopped.notifyAll();
                    }
                }
            };
            try {
                pool.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) { // the session is being closed
                if (taken.compareAndSet(false, true)) {
                    live.decrementAndGet();
                }
                fail(failure, transport, new VtpuRuntimeException("the session is closed"), "the session is closed");
                break;
            }
        }
        if (mine != null && failure.get() == null) {
            int cpu = mineId % cpus;
            byte[][] mask = new byte[1][];
            try {
                stats[mineId] = options.pin()
                        ? mine.runPinningLater(() -> {
                            mask[0] = Affinity.current();
                            return Affinity.pin(cpu);
                        })
                        : mine.run("not pinned (disabled)");
            } catch (Throwable e) {
                fail(failure, transport, e, "sentron " + mineId + " failed");
            } finally {
                if (mine.pinnedLazily()) {
                    Affinity.restore(mask[0]);
                }
            }
        }
        // Sentrons that never wait for one another (no C communication) may run on any thread in any order: one
        // whose pool thread has not started yet (waking a thread on an idle core took 50-170 µs on the build VM)
        // is run here instead, so a run on N sentrons never takes longer than on one. After a failure or an
        // interrupt, those not started are dropped instead, whatever the program.
        for (Pending p : unstarted) {
            boolean stop = failure.get() != null || Thread.currentThread().isInterrupted();
            if (!(code.selfContained || stop) || !p.taken().compareAndSet(false, true)) {
                continue; // its pool thread has it (and counts it out)
            }
            try {
                if (!stop) {
                    stats[p.id()] = p.sentron().run("not pinned (run by the calling thread: its pool thread had not started)");
                }
            } catch (Throwable e) {
                fail(failure, transport, e, "sentron " + p.id() + " failed");
            } finally {
                live.decrementAndGet(); // only this thread waits on the count
            }
        }
        // A sentron checks for an interrupt every 1024 SIWs (the pool clears the flag after its task); one
        // waiting in a C op is stopped by the abort.
        Runnable stopPool = () -> {
            transport.abort("interrupted");
            onPool.forEach(Thread::interrupt);
        };
        boolean interrupted = Thread.currentThread().isInterrupted();
        if (interrupted) {
            stopPool.run(); // the caller was interrupted (while its sentron ran, or before): the others stop too
        }
        // The pool's sentrons run on cores of their own (no more sentrons than cores): wait for the last of them
        // spinning for a while, since being woken by its notify took tens of microseconds on the build VM.
        if (!interrupted && n <= cpus) {
            long until = System.nanoTime() + END_SPIN_NANOS;
            while (live.get() > 0 && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        synchronized (stopped) {
            while (live.get() > 0) {
                try {
                    stopped.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // stop the others, but still wait for them
                    stopPool.run();
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, new VtpuRuntimeException("interrupted while the program ran"));
        }
        Throwable f = failure.get();
        if (f instanceof VtpuRuntimeException v) {
            throw v;
        }
        if (f != null) {
            throw new VtpuRuntimeException("a sentron failed: " + f, f);
        }
        return java.util.Arrays.stream(stats).filter(java.util.Objects::nonNull).toList();
    }
}

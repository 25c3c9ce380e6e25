package ai.vtpu.runtime.exec;

import ai.vtpu.isa.program.GroupDecl;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.CComm;
import ai.vtpu.isa.siw.COp;
import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.isa.siw.Regs;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.Siw;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.kernel.DPipe;
import ai.vtpu.runtime.kernel.Kernels;
import ai.vtpu.runtime.kernel.Tile;
import ai.vtpu.runtime.memory.PhextPageTable;
import ai.vtpu.runtime.telemetry.PerfCounters;
import ai.vtpu.runtime.telemetry.SentronStats;
import java.util.ArrayList;
import java.util.List;

/**
 * One sentron: a register file, a page table, the D pipe on the dispatch thread, the S pipe on its worker
 * and the C pipe. {@link #run()} is the SIW dispatch loop. The C pipe's communication ops complete at issue
 * on the dispatch thread (a legal schedule: the C queue simply never holds more than one op), so C tags are
 * always satisfied.
 */
public final class Sentron {
    /** How the ops of one SIW are ordered so each reads the state from before the SIW (docs/ISA.md §1.3). */
    private enum Plan {
        /** Issue S, run D, run C: no op writes what another of the SIW reads, except C reading nothing D writes. */
        OVERLAP,
        /** Issue S, run C, run D: as OVERLAP, but C reads what D writes. */
        C_FIRST,
        /**
         * Every other case, exchanges of registers included: D, then C, then S run one after the other (S
         * drained), and an op that reads a tile an earlier op of the SIW wrote sees a snapshot of its old value.
         */
        SERIAL
    }

    private final int id;
    private final int count;
    private final Siw[] code;
    private final Plan[] plans;
    private final Registers regs;
    private final java.util.concurrent.ExecutorService sThreads;
    private final PhextPageTable ppt;
    private final DPipe dPipe;
    private final SExec sExec;
    private final SPipe.Stats sStats = new SPipe.Stats();
    private final Transport transport;
    private final boolean asyncS;
    /** Members per group id (0: every sentron), from the program's declarations. */
    private final List<List<Integer>> groups;
    private long siws;
    private long dOps;
    private long sOps;
    private long cOps;
    private long flops;
    private long cBytes;
    private long cNanos;
    /** Time per D opcode; their sum is the D pipe's busy time. */
    private final OpClock dByOp = new OpClock();

    public Sentron(int id, int count, Program program, PhextPageTable ppt, Kernels kernels, Transport transport) {
        this(id, count, Code.of(program, count), program, ppt, kernels, transport, new Registers(), null, null, true, true);
    }

    /** Tensors from this size on stream through the S pipe from beyond the caches: its own thread then pays. */
    static final long ASYNC_S_BYTES = 8L << 20;

    /**
     * How the S pipe runs: {@code -Dvtpu.spipe=inline|async} decides; otherwise (auto) it gets a thread of its own
     * only for a one-shot run (nothing kept packed, so every tile is gathered and packed by S) of a program with a
     * tensor of at least 8 MiB, when every sentron has a spare hardware thread. Measured (BENCHMARKS.md): SGEMM
     * n=2048 on one sentron 0.95x OpenBLAS with the S worker against 0.78x inline, n=256..1024 faster inline, and
     * the loaded models of the ONNX Runtime comparison faster inline at every batch (encoder at batch 32: 18.4 ms
     * inline, 19.8 ms with the worker).
     */
    static boolean asyncS(Code code, int count, boolean oneShot) {
        String mode = System.getProperty("vtpu.spipe", "auto");
        if (!mode.equals("auto")) {
            return mode.equals("async");
        }
        return oneShot && 2 * count <= Runtime.getRuntime().availableProcessors() && code.largestTensorBytes >= ASYNC_S_BYTES;
    }

    /**
     * @param regs a register file to run on, reset here to the start state (a loaded session keeps one per
     *     sentron so its tile storage is not allocated again for every run)
     * @param sThreads where the S pipe's worker runs (a session's threads, kept between runs); null starts one
     * @param readOnly tiles of read-only pages kept between runs (a session's, shared by its sentrons), or null for a
     *     one-shot run, which keeps nothing
     * @param measure read the dispatch thread's CPU clock and the hardware counters
     * @param timeOps read the clock around each op (times by opcode, busy times)
     */
    Sentron(int id, int count, Code loaded, Program program, PhextPageTable ppt, Kernels kernels, Transport transport, Registers regs,
            java.util.concurrent.ExecutorService sThreads, ReadOnlyTiles readOnly, boolean measure, boolean timeOps) {
        this.sThreads = sThreads;
        regs.reset();
        this.regs = regs;
        this.id = id;
        this.count = count;
        this.code = loaded.code;
        this.plans = loaded.plans;
        this.measured = measure;
        this.timed = timeOps;
        this.ppt = ppt;
        this.dPipe = new DPipe(kernels, regs.tiles, regs.scratch);
        // A worker thread for the S pipe also prepares gathered tiles for MMA. -Dvtpu.panels=always|never
        // overrides the panel choice (tests use both to reach every path).
        this.asyncS = asyncS(loaded, count, readOnly == null);
        this.sStats.timed = timeOps || asyncS; // a worker's ops overlap D: their time is what S busy means
        String panels = System.getProperty("vtpu.panels", "auto");
        boolean vector = kernels instanceof ai.vtpu.runtime.kernel.VectorKernels;
        boolean prepare = vector && (panels.equals("always") || panels.equals("auto") && asyncS);
        this.sExec = new SExec(regs, ppt, id, count, prepare, readOnly, vector && !panels.equals("never"));
        this.transport = transport;
        this.groups = loaded.groups;
    }

    /**
     * A program's SIWs as an array with the order of each SIW's ops, and its groups' members, worked out once per
     * loaded program (for a given sentron count).
     */
    static final class Code {
        private final Siw[] code;
        private final Plan[] plans;
        private final List<List<Integer>> groups;
        /** No op reaches another sentron: no communication C op, no FLUSH (which makes a page visible to all). */
        final boolean selfContained;
        /** The largest declared tensor, in bytes: whether the S pipe's gathers stream from beyond the caches. */
        final long largestTensorBytes;

        private Code(Siw[] code, Plan[] plans, List<List<Integer>> groups, boolean selfContained, long largestTensorBytes) {
            this.code = code;
            this.plans = plans;
            this.groups = groups;
            this.selfContained = selfContained;
            this.largestTensorBytes = largestTensorBytes;
        }

        static Code of(Program program, int count) {
            Siw[] code = program.code().toArray(new Siw[0]);
            Plan[] plans = new Plan[code.length];
            boolean selfContained = true;
            for (int i = 0; i < code.length; i++) {
                plans[i] = plan(code[i]);
                selfContained &= !(code[i].c() instanceof CComm) && code[i].s().opcode() != Opcode.FLUSH;
            }
            long largest = program.tensors().stream().mapToLong(t -> t.elements() * t.dtype().bytes()).max().orElse(0);
            List<List<Integer>> groups = new ArrayList<>(java.util.Collections.nCopies(256, (List<Integer>) null));
            groups.set(0, java.util.stream.IntStream.range(0, count).boxed().toList());
            for (GroupDecl g : program.groups()) {
                groups.set(g.id(), g.members());
            }
            return new Code(code, plans, groups, selfContained, largest);
        }
    }

    private static Plan plan(Siw w) {
        long dr = w.d().reads();
        long dw = w.d().writes();
        long sr = w.s().reads();
        long sw = w.s().writes();
        long cr = w.c().reads();
        long cw = w.c().writes();
        boolean sIndependent = (sw & (dr | cr)) == 0 && (sr & (dw | cw)) == 0;
        if (sIndependent && (dw & cr) == 0) {
            return Plan.OVERLAP;
        }
        if (sIndependent && (cw & dr) == 0) {
            return Plan.C_FIRST;
        }
        return Plan.SERIAL;
    }

    public Registers registers() {
        return regs;
    }

    private static final java.lang.management.ThreadMXBean MX = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final String SHORT = "not measured: the session's previous run took under 200 µs";
    /** Whether this run reads the CPU clock and the hardware counters (not in a session whose runs are short). */
    private final boolean measured;
    /** Whether each D op (and each S op run inline) is timed. */
    private final boolean timed;

    /** Pins the dispatch thread once the run reaches {@link #PIN_AFTER} SIWs; null when not wanted or done. */
    private java.util.function.Supplier<String> lazyPin;
    private String pinned;
    /** Every this many SIWs the dispatch loop looks for a cancellation and, for the calling thread, pins it. */
    static final int PIN_AFTER = 1024;

    /**
     * Runs the program on the calling thread, which is pinned only if the run reaches {@value #PIN_AFTER} SIWs:
     * a shorter run would spend more on the system calls (and the move to another core) than it gains.
     * Returns the statistics; {@link #pinnedLazily()} says whether the thread was pinned.
     */
    public SentronStats runPinningLater(java.util.function.Supplier<String> pin) {
        this.lazyPin = pin;
        this.pinned = "not pinned (the run ended before SIW " + PIN_AFTER + ")";
        return run(null);
    }

    boolean pinnedLazily() {
        return lazyPin == null && pinned != null && pinned.startsWith("cpu");
    }

    /** Runs the program to its end (or HALT); returns the statistics. */
    public SentronStats run(String pinning) {
        // A loaded session's short runs (tens of µs) skip the CPU clock and the counters, which would add several.
        java.lang.management.ThreadMXBean mx = measured ? MX : null;
        try (SPipe s = new SPipe("sentron-" + id + "-S", sExec, sStats, !asyncS, sThreads);
                PerfCounters perf = measured ? PerfCounters.start() : PerfCounters.skipped(SHORT)) {
            // Timing starts once the pipes exist: wall and CPU time are the program's execution.
            long cpu0 = measured ? mx.getCurrentThreadCpuTime() : 0;
            long hits0 = ppt.cacheHits();
            long misses0 = ppt.cacheMisses();
            long t0 = System.nanoTime();
            dispatch(s);
            s.drain();
            long wall = System.nanoTime() - t0;
            long cpu = measured ? mx.getCurrentThreadCpuTime() - cpu0 : -1;
            long[] hw = perf.elapsed();
            s.close();
            SentronStats.HardwareCounts counts = hw == null
                    ? new SentronStats.HardwareCounts(perf.status(), -1, -1, -1, -1)
                    : new SentronStats.HardwareCounts(perf.status(), hw[0], hw[1], hw[2], hw[3]);
            return new SentronStats(id, siws, dOps, sOps, cOps, flops, sExec.bytesMoved, cBytes, sExec.prefetchedBytes,
                    ppt.cacheHits() - hits0, ppt.cacheMisses() - misses0, sStats.waitStallNanos, sStats.issueStallNanos,
                    sStats.timed ? sStats.byOp.total() : -1, cNanos, timed ? dByOp.total() : -1, wall, cpu, sStats.workerCpuNanos,
                    (pinning != null ? pinning : pinned) + (asyncS ? "; S pipe on its own thread" : "; S pipe inline"), counts,
                    java.util.stream.Stream.concat(dByOp.times("D").stream(), sStats.byOp.times("S").stream()).toList());
        }
    }

    private void dispatch(SPipe s) {
        Siw[] code = this.code;
        int pc = 0;
        int n = code.length;
        long[] r = regs.scalars;
        while (pc < n) {
            Siw w = code[pc];
            if (w.sync()) {
                s.drain();
            } else if (w.waitS() != 0) {
                s.waitTags(w.waitS());
            }
            SOp sop = w.s();
            DOp dop = w.d();
            COp cop = w.c();
            // A branch reads its register as it was before this SIW, before its S op can change it.
            long cond = cop instanceof CBranch b && b.opcode() != Opcode.JMP && b.opcode() != Opcode.HALT ? r[b.reg()] : 0;
            try {
                switch (plans[pc]) {
                    case OVERLAP -> {
                        issue(s, sop, pc);
                        compute(dop);
                        comm(cop, s);
                    }
                    case C_FIRST -> {
                        issue(s, sop, pc);
                        comm(cop, s);
                        compute(dop);
                    }
                    case SERIAL -> serial(w, s, pc);
                }
            } catch (VtpuRuntimeException e) {
                throw earlierFault(s, pc, e);
            }
            siws++;
            pc++;
            // A cancelled run (the node agent's job was cancelled or handed back) stops within PIN_AFTER SIWs.
            if ((siws & (PIN_AFTER - 1)) == 0) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new VtpuRuntimeException("cancelled after " + siws + " SIWs");
                }
                if (lazyPin != null) {
                    String p = lazyPin.get();
                    pinned = p.startsWith("cpu") ? p + " (from SIW " + siws + ")" : p;
                    lazyPin = null;
                }
            }
            if (cop instanceof CBranch b) {
                cOps++;
                switch (b.opcode()) {
                    case LOOP -> {
                        r[b.reg()] = cond - 1;
                        if (cond - 1 > 0) {
                            pc = (int) b.target();
                        }
                    }
                    case BRZ -> {
                        if (cond == 0) {
                            pc = (int) b.target();
                        }
                    }
                    case BRNZ -> {
                        if (cond != 0) {
                            pc = (int) b.target();
                        }
                    }
                    case JMP -> pc = (int) b.target();
                    default -> pc = n;
                }
            }
        }
    }

    private void issue(SPipe s, SOp sop, int pc) {
        if (!sop.opcode().isNop()) {
            s.issue(sop, pc);
            sOps++;
        }
    }

    private void compute(DOp dop) {
        if (!dop.opcode().isNop()) {
            long t0 = timed ? System.nanoTime() : 0;
            try {
                flops += dPipe.flops(dop);
                dPipe.execute(dop);
                if (timed) {
                    dByOp.add(dop.opcode(), System.nanoTime() - t0);
                }
            } catch (VtpuRuntimeException e) {
                throw new VtpuRuntimeException("D slot: " + e.getMessage(), e);
            }
            dOps++;
        }
    }

    /**
     * The general order: D, then C, then S (issued and drained), each op seeing the tiles as they were
     * before the SIW. A tile that a later op reads and an earlier op wrote is swapped with its snapshot
     * while the later op runs (two ops never both write one register: the validator refuses that).
     */
    private void serial(Siw w, SPipe s, int pc) {
        s.drain();
        long written = w.d().writes() | w.c().writes();
        long exposed = (w.c().reads() & w.d().writes()) | (w.s().reads() & written);
        Tile[] snapshots = new Tile[Regs.TILES];
        for (long rest = exposed & 0xFFFFL; rest != 0; rest &= rest - 1) {
            int t = Long.numberOfTrailingZeros(rest);
            snapshots[t] = new Tile();
            if (!regs.tiles[t].isEmpty()) {
                snapshots[t].copyFrom(regs.tiles[t]);
            }
        }
        compute(w.d());
        long cSees = w.c().reads() & w.d().writes() & 0xFFFFL;
        swap(snapshots, cSees);
        try {
            comm(w.c(), s);
        } finally {
            swap(snapshots, cSees);
        }
        long sSees = w.s().reads() & written & 0xFFFFL;
        swap(snapshots, sSees);
        try {
            issue(s, w.s(), pc);
            s.drain();
        } finally {
            swap(snapshots, sSees);
        }
    }

    private void swap(Tile[] snapshots, long tiles) {
        for (long rest = tiles; rest != 0; rest &= rest - 1) {
            int t = Long.numberOfTrailingZeros(rest);
            regs.tiles[t].swap(snapshots[t]);
        }
    }

    /** When a D or C op faults, an S op of an earlier SIW that faulted too is the first error: report that one. */
    private VtpuRuntimeException earlierFault(SPipe s, int pc, VtpuRuntimeException e) {
        if (e.getMessage().startsWith("sentron ")) {
            return e; // an S fault, already located, surfaced by a wait or an issue
        }
        VtpuRuntimeException sFault = s.drainQuietly();
        if (sFault != null && s.faultSiw() <= pc) {
            return sFault;
        }
        return new VtpuRuntimeException("sentron " + id + ", SIW " + pc + ", " + e.getMessage(), e);
    }

    private List<Integer> members(int group, Opcode op) {
        List<Integer> m = groups.get(group);
        if (m == null) {
            throw new VtpuRuntimeException(op.mnemonic() + ": group " + group + " is not declared");
        }
        for (int member : m) {
            if (member >= count) {
                throw new VtpuRuntimeException(op.mnemonic() + ": group " + group + " lists sentron " + member + ", but only "
                        + count + " run this program");
            }
        }
        return m;
    }

    private static Transport.Message message(Tile t) {
        return new Transport.Message(t.rows(), t.cols(), t.toArray());
    }

    private void comm(COp cop, SPipe s) {
        if (!(cop instanceof CComm c)) {
            return;
        }
        cOps++;
        long t0 = System.nanoTime();
        try {
            Tile[] tiles = regs.tiles;
            switch (c.opcode()) {
                case SEND -> {
                    Tile t = tiles[c.tile()];
                    if (t.isEmpty()) {
                        throw new VtpuRuntimeException("SEND: T" + c.tile() + " has not been written");
                    }
                    if (c.peer() >= count) {
                        throw new VtpuRuntimeException("SEND: sentron " + c.peer() + " does not exist (" + count + " run)");
                    }
                    transport.send(id, c.peer(), c.channel(), message(t));
                    cBytes += 4L * t.size();
                }
                case RECV -> {
                    if (c.peer() >= count) {
                        throw new VtpuRuntimeException("RECV: sentron " + c.peer() + " does not exist (" + count + " run)");
                    }
                    Transport.Message m = transport.receive(id, c.peer(), c.channel());
                    if (m.rows() != c.rows() || m.cols() != c.cols()) {
                        throw new VtpuRuntimeException("RECV: the tile from sentron " + c.peer() + " is " + m.rows() + "x"
                                + m.cols() + ", expected " + c.rows() + "x" + c.cols());
                    }
                    tiles[c.tile()].set(m.rows(), m.cols(), m.data());
                    cBytes += 4L * m.data().length;
                }
                case BAR -> transport.barrier(id, members(c.group(), c.opcode()), c.group());
                case FENCE -> s.drain(); // earlier S ops retire before any later C op issues
                case REDUCE -> {
                    Tile t = tiles[c.tile()];
                    if (t.isEmpty()) {
                        throw new VtpuRuntimeException("REDUCE: T" + c.tile() + " has not been written");
                    }
                    transport.allReduce(id, members(c.group(), c.opcode()), c.group(), ReduceOp.ofCode(c.mode()),
                            new Transport.Message(t.rows(), t.cols(), t.writableData()));
                    t.shape(t.rows(), t.cols()); // the values changed in place: a new version of the tile
                    cBytes += 4L * t.size();
                }
                case CAST -> {
                    Tile t = tiles[c.tile()];
                    Transport.Message mine = t.isEmpty() ? new Transport.Message(0, 0, new float[0]) : message(t);
                    Transport.Message m = transport.broadcast(id, members(c.group(), c.opcode()), c.group(), c.peer(), mine);
                    if (m.rows() != c.rows() || m.cols() != c.cols()) {
                        throw new VtpuRuntimeException("CAST: the root's tile is " + m.rows() + "x" + m.cols() + ", expected "
                                + c.rows() + "x" + c.cols());
                    }
                    t.set(m.rows(), m.cols(), m.data());
                    cBytes += 4L * m.data().length;
                }
                case ALLGATHER -> {
                    Tile src = tiles[c.src()];
                    Transport.Message m = transport.allGather(id, members(c.group(), c.opcode()), c.group(), message(src));
                    if (m.rows() != c.rows() || m.cols() != c.cols()) {
                        throw new VtpuRuntimeException("ALLGATHER: the result is " + m.rows() + "x" + m.cols() + ", the op says "
                                + c.rows() + "x" + c.cols());
                    }
                    tiles[c.tile()].set(m.rows(), m.cols(), m.data());
                    cBytes += 4L * m.data().length;
                }
                default -> throw new IllegalStateException(c.opcode().name());
            }
        } catch (VtpuRuntimeException e) {
            throw new VtpuRuntimeException("C slot: " + e.getMessage(), e);
        } finally {
            cNanos += System.nanoTime() - t0;
        }
    }
}

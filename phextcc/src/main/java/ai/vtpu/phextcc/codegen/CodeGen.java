package ai.vtpu.phextcc.codegen;

import ai.vtpu.isa.siw.Pipe;
import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.Node;
import ai.vtpu.phextcc.ir.TensorType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Places tensors on phext coordinates, lowers every node, schedules the ops and writes the assembly. */
public final class CodeGen {

    /**
     * @param onePerSiw -O0: one op per SIW
     * @param rotate alternate register sets (double buffering)
     * @param prefetch insert PREFETCH of the next inner tile
     * @param morton visit output tiles along a Morton curve
     * @param pageMajor lower chains of page-wise nodes page by page (see {@link #chainEnd})
     * @param keepInRegisters keep values in tile registers between the nodes that make and use them
     *     ({@link KeepInRegisters})
     * @param repeat run the whole computation this many times in a loop (benchmarks time steady state with it)
     * @param loopSteps matmuls with more inner steps than this per output tile become counted loops
     */
    public record Options(boolean onePerSiw, boolean rotate, boolean prefetch, boolean morton, boolean pageMajor,
                          boolean keepInRegisters, int sentrons, int repeat, int loopSteps) {
        /** The default of {@code loopSteps}. */
        public static final int LOOP_STEPS = 16;

        public Options withSentrons(int n) {
            return new Options(onePerSiw, rotate, prefetch, morton, pageMajor, keepInRegisters, n, repeat, loopSteps);
        }

        public Options withRepeat(int r) {
            return new Options(onePerSiw, rotate, prefetch, morton, pageMajor, keepInRegisters, sentrons, r, loopSteps);
        }

        public Options withLoopSteps(int s) {
            return new Options(onePerSiw, rotate, prefetch, morton, pageMajor, keepInRegisters, sentrons, repeat, s);
        }
    }

    public record Output(String assembly, List<String> report) {
    }

    private CodeGen() {
    }

    public static Output generate(Graph g, Options o) {
        Partition.Result part = Partition.choose(g, o.sentrons());
        Map<String, Integer> ids = new LinkedHashMap<>();
        StringBuilder asm = new StringBuilder();
        asm.append("; ").append(g.name()).append(", compiled by phextcc for ").append(o.sentrons())
                .append(" sentron(s): run it with that many\n");
        // Every node writes its whole value before any node reads it (docs/ISA.md §5.1).
        asm.append(".writes_first\n");
        // Chains first: a value made and used only inside one chain needs one page, written again for every page.
        List<Node> nodes = g.nodes();
        List<int[]> chainRanges = new ArrayList<>();
        for (int i = 0; i < nodes.size(); ) {
            int end = o.pageMajor() ? Math.max(i + 1, chainEnd(nodes, i, part)) : i + 1;
            if (end - i > 1) {
                chainRanges.add(new int[] {i, end});
            }
            i = end;
        }
        java.util.Set<String> onePage = onePageValues(g, nodes, chainRanges, part);
        int[] scroll = {1};
        for (var e : g.inputs().entrySet()) {
            ids.put(e.getKey(), ids.size());
            asm.append(decl(e.getKey(), e.getValue(), scroll, g.outputs().contains(e.getKey()) ? "inout" : "input",
                    split(part, e.getKey(), e.getValue())));
        }
        for (Node n : g.nodes()) {
            ids.put(n.name(), ids.size());
            if (onePage.contains(n.name())) {
                List<Integer> page = new ArrayList<>(n.type().shape());
                for (int d = 0; d < page.size() - 2; d++) {
                    page.set(d, 1);
                }
                asm.append(decl(n.name(), new TensorType(n.type().dtype(), page), scroll, "scratch", ""));
                continue;
            }
            asm.append(decl(n.name(), n.type(), scroll, g.outputs().contains(n.name()) ? "output" : "scratch",
                    split(part, n.name(), n.type())));
        }
        for (var gv : part.gathered.entrySet()) {
            ids.put(gv.getValue(), ids.size());
            part.local.put(gv.getValue(), g.type(gv.getKey()));
            asm.append(decl(gv.getValue(), g.type(gv.getKey()), scroll, "scratch", ""));
        }
        Map<String, int[]> placed = new HashMap<>();
        for (String line : asm.toString().split("\n")) {
            if (line.startsWith(".tensor ")) {
                String[] w = line.split(" ");
                String coord = line.substring(line.indexOf('@') + 1).split(" ")[0];
                String[] parts = coord.split("[./]");
                placed.put(w[1], new int[] {Integer.parseInt(parts[7]), Integer.parseInt(parts[8])});
            }
        }
        java.util.function.BiFunction<String, Integer, String> pageAddress = (tensor, page) -> {
            if (page == 0) {
                return tensor;
            }
            TensorType t = tensor.endsWith("__all") ? g.type(tensor.substring(0, tensor.length() - 5)) : g.type(tensor);
            int[] base = placed.get(tensor);
            int sec = base[0];
            int scr = base[1];
            if (t.rank() == 4) {
                sec += page / t.shape().get(1);
                scr += page % t.shape().get(1);
            } else {
                scr += page;
            }
            return "1.1.1/1.1.1/1." + sec + "." + scr;
        };
        Emitter e = new Emitter(ids, pageAddress, tensor -> {
            TensorType t = part.local.containsKey(tensor) ? part.local.get(tensor) : g.type(tensor);
            return t.rank() == 1 ? new int[] {1, t.shape().get(0)} : new int[] {t.rows(), t.cols()};
        });
        Lowering lowering = new Lowering(g, part.local, e, o.rotate(), o.prefetch(), o.morton(), o.loopSteps());
        lowering.gatheredValues(part.gathered);
        for (String in : g.inputs().keySet()) {
            if (part.gathered.containsKey(in)) {
                lowering.allGather(in, part.gathered.get(in), o.sentrons());
            }
        }
        lowering.onePageValues(onePage);
        for (int i = 0, c = 0; i < nodes.size(); ) {
            if (c < chainRanges.size() && chainRanges.get(c)[0] == i) {
                int end = chainRanges.get(c++)[1];
                lowering.lowerPageMajor(nodes.subList(i, end));
                i = end;
                continue;
            }
            Node n = nodes.get(i++);
            lowering.lower(n);
            if (part.gathered.containsKey(n.name())) {
                lowering.allGather(n.name(), part.gathered.get(n.name()), o.sentrons());
            }
        }
        List<Instr> instrs = e.instrs();
        KeepInRegisters.Result kept = null;
        if (o.keepInRegisters()) {
            // Scratch tensors (declared above): the nodes' values that are not outputs, and the all-gathered copies.
            java.util.Set<Integer> scratch = new java.util.HashSet<>();
            for (Node n : g.nodes()) {
                if (!g.outputs().contains(n.name())) {
                    scratch.add(Instr.MEMORY + ids.get(n.name()));
                }
            }
            part.gathered.values().forEach(v -> scratch.add(Instr.MEMORY + ids.get(v)));
            kept = KeepInRegisters.run(instrs, scratch::contains);
            instrs = kept.ops();
        }
        List<Scheduler.Slot> siws = new Scheduler(o.onePerSiw()).schedule(instrs);
        long ops = 0;
        long flops = 0;
        long bytes = 0;
        java.util.BitSet tiles = new java.util.BitSet();
        for (Instr i : instrs) {
            ops++;
            flops += i.flops();
            bytes += i.bytes();
            java.util.BitSet t = (java.util.BitSet) i.writes().clone();
            t.or(i.reads());
            tiles.or(t.get(0, 16));
        }
        if (o.repeat() > 1) {
            asm.append("        S: SLI R15, ").append(o.repeat()).append('\n');
            asm.append("again:\n");
        }
        for (Scheduler.Slot s : siws) {
            if (s.raw != null) {
                asm.append(s.raw);
                continue;
            }
            List<String> parts = new ArrayList<>();
            List<String> waits = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                if ((s.waitS & (1 << t)) != 0) {
                    waits.add("s" + t);
                }
            }
            for (int t = 0; t < 8; t++) {
                if ((s.waitC & (1 << t)) != 0) {
                    waits.add("c" + t);
                }
            }
            if (!waits.isEmpty()) {
                parts.add("wait " + String.join(", ", waits));
            }
            for (Pipe p : Pipe.values()) {
                String op = s.ops[p.ordinal()];
                if (op != null) {
                    int sig = s.signal[p.ordinal()];
                    parts.add(p + ": " + op + (sig >= 0 ? " ^" + sig : ""));
                }
            }
            asm.append("        ").append(parts.isEmpty() ? "D: NOP" : String.join(" | ", parts)).append('\n');
        }
        if (o.repeat() > 1) {
            asm.append("        sync | C: LOOP R15, again\n"); // sync: every S op of the pass, the SLI too, has retired
        }
        asm.append("        sync | C: HALT\n");
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "%-22s ops %d", "lower", ops));
        report.add(String.format(Locale.ROOT, "%-22s SIWs %d, ops per SIW %.2f", o.onePerSiw() ? "schedule (one per SIW)"
                : "schedule (list)", siws.size() + 1, ops / (double) Math.max(1, siws.size() + 1)));
        if (o.pageMajor()) {
            report.add(String.format(Locale.ROOT, "%-22s chains %d, nodes %d, values kept to one page %d", "page-major",
                    chainRanges.size(), chainRanges.stream().mapToInt(r -> r[1] - r[0]).sum(), onePage.size()));
        }
        if (kept != null) {
            report.add(String.format(Locale.ROOT, "%-22s gathers forwarded %d, scatters dropped %d", "keep in registers",
                    kept.forwarded(), kept.droppedScatters()));
        }
        report.add(String.format(Locale.ROOT, "%-22s FLOPs %d (estimated, tile shapes), bytes moved by S %d, tile registers %d of 16",
                "estimate", flops, bytes, tiles.cardinality()));
        return new Output(asm.toString(), report);
    }

    /**
     * The end (exclusive) of the longest chain of nodes from {@code from} that can be lowered page by page:
     * page-wise ops whose results have rank 3 or more and the same leading dims, none all-gathered. Page p
     * of such a node reads page p of every operand made in the chain (same leading dims), and operands from
     * before the chain are complete when it starts, so page p of every node needs only what pages 0..p of
     * the chain have made.
     */
    private static int chainEnd(List<Node> nodes, int from, Partition.Result part) {
        List<Integer> lead = null;
        int i = from;
        for (; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            TensorType t = part.local.get(n.name());
            if (!Lowering.pageWise(n.op()) || t.rank() < 3 || part.gathered.containsKey(n.name())) {
                break;
            }
            List<Integer> l = t.shape().subList(0, t.rank() - 2);
            if (lead != null && !lead.equals(l)) {
                break;
            }
            lead = l;
        }
        return i;
    }

    /**
     * Values made in a chain of more than one page and read only by later nodes of the same chain (not
     * outputs, not all-gathered): page p is dead once the chain's page p is done, so the value is declared
     * with one page, which every page of the chain writes and reads again. It stays in the L1/L2 cache;
     * with a page per p, every SCATTER wrote to lines not yet in cache (measured 2.5-3 µs per 64 KiB
     * tile, against 0.7 when they are).
     */
    private static java.util.Set<String> onePageValues(Graph g, List<Node> nodes, List<int[]> chains, Partition.Result part) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (int[] c : chains) {
            for (int i = c[0]; i < c[1]; i++) {
                Node n = nodes.get(i);
                boolean inside = !g.outputs().contains(n.name()) && part.local.get(n.name()).pages() > 1
                        && !(part.byPageRows && part.split.contains(n.name()));
                for (int j = i + 1; j < nodes.size() && inside; j++) {
                    inside = j < c[1] || !nodes.get(j).inputs().contains(n.name());
                }
                if (inside) {
                    out.add(n.name());
                }
            }
        }
        return out;
    }

    /** Declares a tensor at the next free scroll; a tensor of rank 3 or 4 takes one scroll per page (docs/ISA.md §5.2). */
    /** The declaration's split: the batch as whole pages (rank 3 and 4) or rows, or the rows of every page. */
    private static String split(Partition.Result part, String value, TensorType t) {
        if (!part.split.contains(value)) {
            return "";
        }
        return t.rank() >= 3 && !part.byPageRows ? " split=pages" : " split=rows";
    }

    private static String decl(String name, TensorType t, int[] next, String role, String split) {
        int scroll = next[0];
        // Rank 3 takes one scroll per page; rank 4 [a, b, ..] takes b scrolls and a sections (other tensors
        // use section 1 only, so the sections above 1 are free).
        long scrolls = t.rank() == 3 ? t.shape().get(0) : t.rank() == 4 ? t.shape().get(1) : 1;
        next[0] += (int) Math.min(Integer.MAX_VALUE, scrolls);
        StringBuilder dims = new StringBuilder();
        for (int i = 0; i < t.rank(); i++) {
            dims.append(i == 0 ? "" : ", ").append(t.shape().get(i));
        }
        if (next[0] - 1 > 999 || t.rank() > 4 || t.rank() == 4 && t.shape().get(0) > 999) {
            throw new ai.vtpu.phextcc.CompileException("the graph's values need more than 999 scrolls (the compiler places them on "
                    + "consecutive scrolls), or a value has rank above 4: " + name + " " + t);
        }
        return ".tensor " + name + " f32[" + dims + "] @1.1.1/1.1.1/1.1." + scroll + " " + role + split + "\n";
    }
}

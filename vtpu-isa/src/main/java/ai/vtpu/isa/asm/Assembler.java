package ai.vtpu.isa.asm;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.coord.Dimension;
import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.program.GroupDecl;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.Role;
import ai.vtpu.isa.program.Split;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.CComm;
import ai.vtpu.isa.siw.COp;
import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Pipe;
import ai.vtpu.isa.siw.Predicate;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.isa.siw.Regs;
import ai.vtpu.isa.siw.SCset;
import ai.vtpu.isa.siw.SIndex;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.SPage;
import ai.vtpu.isa.siw.SScalar;
import ai.vtpu.isa.siw.STile;
import ai.vtpu.isa.siw.Siw;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code .siwa} assembler (docs/ISA.md §6). Two passes: the first reads directives and labels, the
 * second builds one SIW per instruction line. Every error names {@code file:line:column} and what was
 * expected; all errors of a file are reported together.
 */
public final class Assembler {
    private static final int MAX_ERRORS = 50;
    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL = Pattern.compile("^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*:");
    private static final Pattern REGISTER = Pattern.compile("(?i)[TRP][0-9]+");
    private static final Pattern DECIMAL_INT = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern HEX_INT = Pattern.compile("[+-]?0[xX][0-9a-fA-F]{1,16}");
    private static final Pattern FLOAT = Pattern.compile("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?");
    private static final Pattern FLOAT_BITS = Pattern.compile("(?i)bits:0x([0-9a-f]{1,8})");
    private static final Pattern SHAPE = Pattern.compile("(?i)([A-Za-z0-9_]+)\\s*x\\s*([A-Za-z0-9_]+)");
    private static final Pattern TENSOR = Pattern.compile(
            "^\\.tensor\\s+(\\S+)\\s+([A-Za-z0-9]+)\\s*\\[([^\\]]*)\\]\\s*@\\s*(\\S+)\\s+([A-Za-z]+)(?:\\s+split\\s*=\\s*(\\S+))?\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern CONST = Pattern.compile("^\\.const\\s+(\\S+)\\s*=\\s*(\\S+)\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern GROUP = Pattern.compile("^\\.group\\s+(\\S+)\\s*=\\s*(.+)$", Pattern.CASE_INSENSITIVE);

    private final String file;
    private final List<IsaException> errors = new ArrayList<>();
    private final Map<String, String> constants = new HashMap<>();
    private final Map<String, TensorDecl> tensors = new LinkedHashMap<>();
    /** Set by the .writes_first directive (header flag WRITES_FIRST). */
    private boolean writesFirst;
    private final Map<Integer, GroupDecl> groups = new LinkedHashMap<>();
    private final Map<String, Integer> labels = new HashMap<>();

    private Assembler(String file) {
        this.file = file;
    }

    /**
     * Assembles a whole source text.
     *
     * @param file the name used in error locations
     * @throws IsaException with every error found, the first one's code and location leading
     */
    public static Assembly assemble(String source, String file) {
        return new Assembler(file).run(source);
    }

    /** One source line with its number, stripped of its comment. */
    private record Line(int number, String text) {
    }

    /** A piece of a line and the 1-based column where it starts. */
    private record Piece(String text, int col) {
        Piece trim() {
            int lead = 0;
            while (lead < text.length() && Character.isWhitespace(text.charAt(lead))) {
                lead++;
            }
            return new Piece(text.strip(), col + lead);
        }
    }

    private Assembly run(String source) {
        List<Line> lines = new ArrayList<>();
        String[] raw = source.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            lines.add(new Line(i + 1, stripComment(raw[i])));
        }
        // Pass 1: directives and labels, so that labels and tensors may be used before they appear.
        List<Line> instructions = new ArrayList<>();
        List<Piece> bodies = new ArrayList<>();
        for (Line line : lines) {
            guard(line, 1, () -> {
                Piece body = new Piece(line.text, 1);
                Matcher m = LABEL.matcher(line.text);
                if (m.find() && !isSlotName(m.group(1))) {
                    String name = m.group(1);
                    if (labels.containsKey(name)) {
                        throw error(ErrorCode.DUPLICATE_NAME, line, m.start(1) + 1, "label '" + name + "' is defined twice");
                    }
                    labels.put(name, instructions.size());
                    body = new Piece(line.text.substring(m.end()), m.end() + 1);
                }
                Piece t = body.trim();
                if (t.text.isEmpty()) {
                    return;
                }
                if (t.text.startsWith(".")) {
                    directive(line, t);
                } else {
                    instructions.add(line);
                    bodies.add(t);
                }
            });
        }
        // Pass 2: instructions.
        List<Siw> code = new ArrayList<>();
        int[] lineOf = new int[instructions.size()];
        int[][] colOf = new int[instructions.size()][3];
        for (int i = 0; i < instructions.size(); i++) {
            Line line = instructions.get(i);
            Piece body = bodies.get(i);
            lineOf[i] = line.number;
            int[] cols = colOf[i];
            java.util.Arrays.fill(cols, body.col);
            Siw siw = guard(line, body.col, () -> instruction(line, body, cols));
            code.add(siw == null ? Siw.EMPTY : siw);
        }
        if (!errors.isEmpty()) {
            throw combined();
        }
        Program program;
        try {
            program = new Program(new ArrayList<>(tensors.values()), new ArrayList<>(groups.values()), code, writesFirst);
        } catch (IsaException e) {
            throw e.at(file);
        }
        return new Assembly(program, new SourceMap(file, lineOf, colOf));
    }

    private static boolean isSlotName(String s) {
        return s.length() == 1 && "DSCdsc".indexOf(s.charAt(0)) >= 0;
    }

    private static String stripComment(String s) {
        int cut = s.length();
        int semi = s.indexOf(';');
        int hash = s.indexOf('#');
        if (semi >= 0) {
            cut = semi;
        }
        if (hash >= 0 && hash < cut) {
            cut = hash;
        }
        return s.substring(0, cut);
    }

    private interface Step<T> {
        T run();
    }

    private interface VoidStep {
        void run();
    }

    private void guard(Line line, int col, VoidStep step) {
        guard(line, col, () -> {
            step.run();
            return null;
        });
    }

    /** Runs a step, turning any error into a located one and collecting it. */
    private <T> T guard(Line line, int col, Step<T> step) {
        try {
            return step.run();
        } catch (IsaException e) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(e.where().startsWith(file + ":") ? e : e.at(file + ":" + line.number + ":" + col));
            }
            return null;
        }
    }

    private IsaException combined() {
        errors.sort(java.util.Comparator.comparingInt(Assembler::lineOf));
        IsaException first = errors.get(0);
        if (errors.size() == 1) {
            return first;
        }
        StringBuilder sb = new StringBuilder(first.detail());
        for (int i = 1; i < errors.size(); i++) {
            sb.append('\n').append(errors.get(i).getMessage());
        }
        sb.append("\n(").append(errors.size()).append(" errors)");
        return new IsaException(first.code(), first.where(), sb.toString());
    }

    /** The line number of a located error, for reporting errors in source order. */
    private static int lineOf(IsaException e) {
        String[] parts = e.where().split(":");
        try {
            return parts.length >= 3 ? Integer.parseInt(parts[parts.length - 2]) : 0;
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    private IsaException error(ErrorCode code, Line line, int col, String message) {
        return new IsaException(code, file + ":" + line.number + ":" + col, message);
    }

    private IsaException expected(Piece p, Line line, String what) {
        String found = p.text.isEmpty() ? "nothing" : "'" + p.text + "'";
        return error(ErrorCode.ASM_SYNTAX, line, p.col, "expected " + what + ", found " + found);
    }

    // ---------------------------------------------------------------- directives

    private void directive(Line line, Piece d) {
        String word = d.text.split("\\s+")[0].toLowerCase(Locale.ROOT);
        if (word.equals(".const")) {
            constDirective(line, d);
        } else if (word.equals(".tensor")) {
            tensorDirective(line, d);
        } else if (word.equals(".group")) {
            groupDirective(line, d);
        } else if (word.equals(".writes_first")) {
            if (!d.text.trim().equalsIgnoreCase(".writes_first")) {
                throw expected(new Piece(d.text.substring(word.length()).trim(), d.col + word.length() + 1), line,
                        "nothing after .writes_first");
            }
            writesFirst = true;
        } else {
            throw expected(new Piece(d.text.split("\\s+")[0], d.col), line,
                    "a directive (.const, .tensor, .group or .writes_first)");
        }
    }

    private void constDirective(Line line, Piece d) {
        Matcher m = CONST.matcher(d.text);
        if (!m.matches()) {
            throw expected(d, line, ".const NAME = NUMBER");
        }
        String name = m.group(1);
        int col = d.col + m.start(1);
        if (!IDENT.matcher(name).matches() || REGISTER.matcher(name).matches() || isSlotName(name)) {
            throw error(ErrorCode.ASM_SYNTAX, line, col, "'" + name + "' cannot name a constant (an identifier that is not a register)");
        }
        if (constants.containsKey(name)) {
            throw error(ErrorCode.DUPLICATE_NAME, line, col, "constant '" + name + "' is defined twice");
        }
        String value = m.group(2);
        if (!isNumberLiteral(value)) {
            throw expected(new Piece(value, d.col + m.start(2)), line, "a number literal");
        }
        constants.put(name, value);
    }

    private static boolean isNumberLiteral(String s) {
        return DECIMAL_INT.matcher(s).matches() || HEX_INT.matcher(s).matches() || FLOAT.matcher(s).matches()
                || FLOAT_BITS.matcher(s).matches() || s.equalsIgnoreCase("inf") || s.equalsIgnoreCase("-inf")
                || s.equalsIgnoreCase("nan");
    }

    private void tensorDirective(Line line, Piece d) {
        Matcher m = TENSOR.matcher(d.text);
        if (!m.matches()) {
            throw expected(d, line, ".tensor NAME DTYPE[DIMS] @COORDINATE ROLE [split=rows|cols|pages]");
        }
        String name = m.group(1);
        int nameCol = d.col + m.start(1);
        if (tensors.containsKey(name)) {
            throw error(ErrorCode.DUPLICATE_NAME, line, nameCol, "tensor '" + name + "' is declared twice");
        }
        DType dtype = DType.ofLabel(m.group(2));
        if (dtype == null) {
            throw expected(new Piece(m.group(2), d.col + m.start(2)), line, "a dtype (f32, bf16, f16, i32, i8)");
        }
        List<Integer> shape = new ArrayList<>();
        int dimsCol = d.col + m.start(3);
        for (Piece p : split(new Piece(m.group(3), dimsCol), ',')) {
            shape.add((int) integer(line, p, 1, Integer.MAX_VALUE, "a dimension"));
        }
        PhextCoord coord = coordinate(line, new Piece(m.group(4), d.col + m.start(4)));
        Role role = Role.ofLabel(m.group(5));
        if (role == null) {
            throw expected(new Piece(m.group(5), d.col + m.start(5)), line, "a role (input, output, inout, scratch)");
        }
        Split split = Split.NONE;
        if (m.group(6) != null) {
            split = Split.ofLabel(m.group(6));
            if (split == null) {
                throw expected(new Piece(m.group(6), d.col + m.start(6)), line, "split=none, split=rows, split=cols or split=pages");
            }
        }
        try {
            tensors.put(name, new TensorDecl(name, dtype, shape, coord, role, split));
        } catch (IsaException e) {
            throw e.at(file + ":" + line.number + ":" + nameCol);
        }
    }

    private PhextCoord coordinate(Line line, Piece p) {
        try {
            return PhextCoord.parse(p.text);
        } catch (IsaException e) {
            throw e.at(file + ":" + line.number + ":" + p.col);
        }
    }

    private void groupDirective(Line line, Piece d) {
        Matcher m = GROUP.matcher(d.text);
        if (!m.matches()) {
            throw expected(d, line, ".group ID = SENTRON, SENTRON, ...");
        }
        Piece idPiece = new Piece(m.group(1), d.col + m.start(1));
        int id = (int) integer(line, idPiece, 1, 255, "a group id 1..255");
        if (groups.containsKey(id)) {
            throw error(ErrorCode.DUPLICATE_NAME, line, idPiece.col, "group " + id + " is declared twice");
        }
        List<Integer> members = new ArrayList<>();
        for (Piece p : split(new Piece(m.group(2), d.col + m.start(2)), ',')) {
            int range = p.text.indexOf("..");
            if (range > 0) {
                int from = (int) integer(line, new Piece(p.text.substring(0, range), p.col), 0, 0xFFFF, "a sentron index");
                int to = (int) integer(line, new Piece(p.text.substring(range + 2), p.col + range + 2), from, 0xFFFF,
                        "a sentron index >= " + from);
                for (int s = from; s <= to; s++) {
                    members.add(s);
                }
            } else {
                members.add((int) integer(line, p, 0, 0xFFFF, "a sentron index 0..65535"));
            }
        }
        try {
            groups.put(id, new GroupDecl(id, members));
        } catch (IsaException e) {
            throw e.at(file + ":" + line.number + ":" + idPiece.col);
        }
    }

    // ---------------------------------------------------------------- instructions

    private static List<Piece> split(Piece p, char sep) {
        List<Piece> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= p.text.length(); i++) {
            if (i == p.text.length() || p.text.charAt(i) == sep) {
                out.add(new Piece(p.text.substring(start, i), p.col + start).trim());
                start = i + 1;
            }
        }
        return out;
    }

    private Siw instruction(Line line, Piece body, int[] cols) {
        int flags = 0;
        int waitS = 0;
        int waitC = 0;
        Op[] slots = new Op[3];
        boolean sawWait = false;
        for (Piece part : split(body, '|')) {
            String lower = part.text.toLowerCase(Locale.ROOT);
            if (part.text.isEmpty()) {
                throw expected(part, line, "a slot (D:, S:, C:), 'wait' or 'sync'");
            } else if (lower.equals("sync")) {
                if ((flags & Siw.SYNC) != 0) {
                    throw error(ErrorCode.ASM_SYNTAX, line, part.col, "'sync' appears twice in one SIW");
                }
                flags |= Siw.SYNC;
            } else if (lower.startsWith("wait") && (lower.length() == 4 || Character.isWhitespace(lower.charAt(4)))) {
                if (sawWait) {
                    throw error(ErrorCode.ASM_SYNTAX, line, part.col, "'wait' appears twice in one SIW; list all tags in one");
                }
                sawWait = true;
                Piece tags = new Piece(part.text.substring(4), part.col + 4).trim();
                if (tags.text.isEmpty()) {
                    throw expected(tags, line, "tags after 'wait' (s0..s7, c0..c7)");
                }
                for (Piece tag : split(tags, ',')) {
                    String t = tag.text.toLowerCase(Locale.ROOT);
                    if (!t.matches("[sc][0-7]")) {
                        throw expected(tag, line, "a tag s0..s7 or c0..c7");
                    }
                    int bit = 1 << (t.charAt(1) - '0');
                    if (t.charAt(0) == 's') {
                        waitS |= bit;
                    } else {
                        waitC |= bit;
                    }
                }
            } else if (part.text.length() >= 2 && part.text.charAt(1) == ':' && isSlotName(part.text.substring(0, 1))) {
                Pipe pipe = Pipe.valueOf(part.text.substring(0, 1).toUpperCase(Locale.ROOT));
                if (slots[pipe.ordinal()] != null) {
                    throw error(ErrorCode.ASM_SYNTAX, line, part.col, "the " + pipe + " slot appears twice in one SIW");
                }
                cols[pipe.ordinal()] = part.col;
                Piece op = new Piece(part.text.substring(2), part.col + 2).trim();
                slots[pipe.ordinal()] = slot(line, pipe, op);
            } else {
                throw expected(part, line, "a slot (D:, S:, C:), 'wait' or 'sync'");
            }
        }
        DOp d = slots[0] == null ? DOp.NOP : (DOp) slots[0].op;
        SOp s = slots[1] == null ? SOp.NOP : (SOp) slots[1].op;
        COp c = slots[2] == null ? COp.NOP : (COp) slots[2].op;
        return new Siw(flags, waitS, waitC, d, s, c);
    }

    /** A parsed op; a holder so the slot array can hold ops of all three pipes. */
    private record Op(ai.vtpu.isa.siw.Op op) {
    }

    private Op slot(Line line, Pipe pipe, Piece text) {
        int space = 0;
        while (space < text.text.length() && !Character.isWhitespace(text.text.charAt(space))) {
            space++;
        }
        Piece mnemonicPiece = new Piece(text.text.substring(0, space), text.col);
        if (mnemonicPiece.text.isEmpty()) {
            throw expected(mnemonicPiece, line, "an op of the " + pipe + " slot");
        }
        Opcode op = Opcode.ofMnemonic(pipe, mnemonicPiece.text);
        if (op == null) {
            throw error(ErrorCode.UNKNOWN_OPCODE, line, text.col, "'" + mnemonicPiece.text + "' is not an op of the "
                    + pipe + " slot" + elsewhere(mnemonicPiece.text, pipe) + "; expected one of docs/ISA.md §3.5");
        }
        Piece rest = new Piece(text.text.substring(space), text.col + space).trim();
        int signal = -1;
        int caret = rest.text.lastIndexOf('^');
        if (caret >= 0) {
            Piece tag = new Piece(rest.text.substring(caret + 1), rest.col + caret + 1).trim();
            if (!tag.text.matches("[0-7]")) {
                throw expected(tag, line, "a signal tag 0..7 after '^'");
            }
            if (!op.isQueued()) {
                throw error(ErrorCode.ASM_SYNTAX, line, rest.col + caret, op.mnemonic() + " cannot signal a tag");
            }
            signal = tag.text.charAt(0) - '0';
            rest = new Piece(rest.text.substring(0, caret), rest.col).trim();
        }
        Operands args = new Operands(line, op, rest.text.isEmpty() ? List.of() : split(rest, ','), rest);
        try {
            ai.vtpu.isa.siw.Op built = switch (pipe) {
                case D -> dOp(op, args);
                case S -> sOp(op, args, signal);
                case C -> cOp(op, args, signal);
            };
            args.end();
            return new Op(built);
        } catch (IsaException e) {
            if (e.where().isEmpty()) {
                throw e.at(file + ":" + line.number + ":" + text.col);
            }
            throw e;
        }
    }

    private static String elsewhere(String mnemonic, Pipe pipe) {
        for (Pipe p : Pipe.values()) {
            if (p != pipe && Opcode.ofMnemonic(p, mnemonic) != null) {
                return " (it belongs in the " + p + " slot: " + p + ": " + mnemonic.toUpperCase(Locale.ROOT) + ")";
            }
        }
        return "";
    }

    private DOp dOp(Opcode op, Operands a) {
        return switch (op.form()) {
            case NONE -> DOp.NOP;
            case UNARY -> DOp.unary(op, a.tile(), a.tile());
            case FILL -> {
                int d = a.tile();
                long[] shape = a.shape(256);
                yield DOp.fill(d, (int) shape[0], (int) shape[1], a.floatValue());
            }
            case CVT -> DOp.cvt(a.tile(), a.tile(), a.dtype());
            case MMA -> {
                int d = a.tile();
                int x = a.tile();
                int y = a.tile();
                boolean ta = false;
                boolean tb = false;
                boolean zero = false;
                while (a.hasNext()) {
                    Piece p = a.next("ta, tb or zero");
                    switch (p.text.toLowerCase(Locale.ROOT)) {
                        case "ta" -> ta = true;
                        case "tb" -> tb = true;
                        case "zero" -> zero = true;
                        default -> throw expected(p, a.line, "an MMA option: ta, tb or zero");
                    }
                }
                yield DOp.mma(d, x, y, ta, tb, zero);
            }
            case BINARY, CMP -> {
                int d = a.tile();
                int x = a.tile();
                DOp base;
                if (a.peekIsRegister()) {
                    base = DOp.binary(op, d, x, a.tile());
                } else {
                    base = DOp.binaryImm(op, d, x, a.floatValue());
                }
                if (op.form() == ai.vtpu.isa.siw.Form.CMP) {
                    Predicate pred = a.keyword("a predicate (eq, ne, lt, le, gt, ge)", Predicate::ofLabel);
                    base = new DOp(op, base.flags(), base.d(), base.a(), base.b(), 0, pred.code(), 0, 0, base.immBits());
                }
                yield base;
            }
            case TERNARY -> DOp.ternary(op, a.tile(), a.tile(), a.tile(), a.tile());
            case REDUCE -> {
                int d = a.tile();
                int x = a.tile();
                Boolean cols = a.keyword("the axis 'row' or 'col'",
                        s -> s.equalsIgnoreCase("row") ? Boolean.FALSE : s.equalsIgnoreCase("col") ? Boolean.TRUE : null);
                yield DOp.reduce(op, d, x, cols);
            }
            case NORM -> DOp.norm(op, a.tile(), a.tile(), a.floatValue());
            default -> throw new IllegalStateException(op + " in the D slot");
        };
    }

    private SOp sOp(Opcode op, Operands a, int signal) {
        return switch (op.form()) {
            case NONE -> SOp.NOP;
            case TILE -> {
                int tile = op == Opcode.PREFETCH ? 0 : a.tile();
                int coord = a.coord();
                long[] shape = a.shape(256);
                int flags = 0;
                long ls = 1;
                long cs = 1;
                while (a.hasNext()) {
                    Piece p = a.next("an option");
                    String lower = p.text.toLowerCase(Locale.ROOT);
                    if (lower.equals("t")) {
                        flags |= SOp.T;
                    } else if (lower.equals("add") && op == Opcode.SCATTER) {
                        flags |= SOp.ADD;
                    } else if (lower.startsWith("stride=")) {
                        String[] parts = p.text.substring(7).split(":", -1);
                        if (parts.length != 2) {
                            throw expected(p, a.line, "stride=LINES:COLUMNS");
                        }
                        ls = integer(a.line, new Piece(parts[0].strip(), p.col + 7), 1, 0xFFFF_FFFFL, "a line stride >= 1");
                        cs = integer(a.line, new Piece(parts[1].strip(), p.col + 8 + parts[0].length()), 1, 0xFFFF_FFFFL,
                                "a column stride >= 1");
                    } else {
                        throw expected(p, a.line, op == Opcode.SCATTER ? "an option: stride=L:C, t or add" : "an option: stride=L:C or t");
                    }
                }
                yield new STile(op, flags, signal, tile, coord, (int) shape[0], (int) shape[1], ls, cs);
            }
            case CSET -> {
                int coord = a.coord();
                yield new SCset(signal, coord, a.address());
            }
            case INDEX -> {
                int dst = a.coord();
                int src = a.coord();
                Dimension dim = a.keyword("a dimension (column, line, scroll, section, chapter, book, volume, collection,"
                        + " series, shelf, library)", Dimension::ofLabel);
                if (a.peekIsRegister()) {
                    int reg = a.scalar();
                    long imm = a.hasNext() ? a.integer(Long.MIN_VALUE, Long.MAX_VALUE, "an integer") : 0;
                    yield new SIndex(SOp.REG, signal, dst, src, dim, reg, imm);
                }
                yield new SIndex(0, signal, dst, src, dim, 0, a.integer(Long.MIN_VALUE, Long.MAX_VALUE, "an integer or a scalar register"));
            }
            case SCALAR -> switch (op) {
                case SLI -> new SScalar(op, 0, signal, a.scalar(), 0, 0, a.integer(Long.MIN_VALUE, Long.MAX_VALUE, "an integer"));
                case SID, SCOUNT -> new SScalar(op, 0, signal, a.scalar(), 0, 0, 0);
                default -> {
                    int dst = a.scalar();
                    int x = a.scalar();
                    if (a.peekIsRegister()) {
                        yield new SScalar(op, SOp.REG, signal, dst, x, a.scalar(), 0);
                    }
                    yield new SScalar(op, 0, signal, dst, x, 0, a.integer(Long.MIN_VALUE, Long.MAX_VALUE, "an integer or a scalar register"));
                }
            };
            case PAGE -> {
                int coord = a.coord();
                if (op == Opcode.ALLOC) {
                    DType t = a.dtype();
                    long[] shape = a.shape(SPage.MAX_DIM);
                    yield new SPage(op, signal, coord, t, shape[0], shape[1]);
                }
                yield new SPage(op, signal, coord, null, 0, 0);
            }
            default -> throw new IllegalStateException(op + " in the S slot");
        };
    }

    private COp cOp(Opcode op, Operands a, int signal) {
        return switch (op) {
            case C_NOP -> COp.NOP;
            case SEND -> new CComm(op, signal, a.tile(), 0, 0, a.peer(), 0, 0, a.channel(), 0);
            case RECV -> {
                int t = a.tile();
                int peer = a.peer();
                int ch = a.channel();
                long[] s = a.shape(256);
                yield new CComm(op, signal, t, 0, 0, peer, (int) s[0], (int) s[1], ch, 0);
            }
            case BAR -> new CComm(op, signal, 0, a.group(), 0, 0, 0, 0, 0, 0);
            case FENCE -> new CComm(op, signal, 0, 0, 0, 0, 0, 0, 0, 0);
            case REDUCE -> {
                int t = a.tile();
                int g = a.group();
                ReduceOp r = a.keyword("a reduce op (sum, max, min, mean)", ReduceOp::ofLabel);
                yield new CComm(op, signal, t, g, r.code(), 0, 0, 0, 0, 0);
            }
            case CAST -> {
                int t = a.tile();
                int g = a.group();
                int root = a.peer();
                long[] s = a.shape(256);
                yield new CComm(op, signal, t, g, 0, root, (int) s[0], (int) s[1], 0, 0);
            }
            case ALLGATHER -> {
                int t = a.tile();
                int src = a.tile();
                int g = a.group();
                long[] s = a.shape(256);
                yield new CComm(op, signal, t, g, 0, 0, (int) s[0], (int) s[1], 0, src);
            }
            case LOOP, BRZ, BRNZ -> new CBranch(op, a.scalar(), a.target());
            case JMP -> new CBranch(op, 0, a.target());
            case HALT -> CBranch.halt();
            default -> throw new IllegalStateException(op + " in the C slot");
        };
    }

    // ---------------------------------------------------------------- operands

    private long integer(Line line, Piece p, long min, long max, String what) {
        String text = constants.getOrDefault(p.text, p.text);
        long v;
        try {
            if (HEX_INT.matcher(text).matches()) {
                boolean neg = text.startsWith("-");
                String digits = text.replaceFirst("^[+-]?0[xX]", "");
                v = Long.parseUnsignedLong(digits, 16);
                if (neg) {
                    if (v < 0 && v != Long.MIN_VALUE) {
                        throw error(ErrorCode.FIELD_RANGE, line, p.col, "'" + p.text + "' is below -2^63, expected " + what);
                    }
                    v = -v;
                }
            } else if (DECIMAL_INT.matcher(text).matches()) {
                v = Long.parseLong(text);
            } else {
                throw expected(p, line, what);
            }
        } catch (NumberFormatException e) {
            throw error(ErrorCode.FIELD_RANGE, line, p.col, "'" + p.text + "' does not fit in 64 bits, expected " + what);
        }
        if (v < min || v > max) {
            throw error(ErrorCode.FIELD_RANGE, line, p.col, "'" + p.text + "' is " + v + ", expected " + what
                    + " in " + min + ".." + max);
        }
        return v;
    }

    private int floatBits(Line line, Piece p) {
        String text = constants.getOrDefault(p.text, p.text);
        String lower = text.toLowerCase(Locale.ROOT);
        Matcher bits = FLOAT_BITS.matcher(text);
        if (bits.matches()) {
            return (int) Long.parseLong(bits.group(1), 16);
        }
        return switch (lower) {
            case "inf", "+inf" -> Float.floatToRawIntBits(Float.POSITIVE_INFINITY);
            case "-inf" -> Float.floatToRawIntBits(Float.NEGATIVE_INFINITY);
            case "nan" -> Syntax.CANONICAL_NAN;
            default -> {
                if (!FLOAT.matcher(text).matches()) {
                    throw expected(p, line, "a number (1.5, -2e-3, inf, nan, bits:0x...)");
                }
                yield Float.floatToRawIntBits(Float.parseFloat(text));
            }
        };
    }

    /** The operand list of one op, consumed left to right. */
    private final class Operands {
        final Line line;
        final Opcode op;
        final List<Piece> items;
        final Piece whole;
        int next;

        Operands(Line line, Opcode op, List<Piece> items, Piece whole) {
            this.line = line;
            this.op = op;
            this.items = items;
            this.whole = whole;
        }

        boolean hasNext() {
            return next < items.size();
        }

        Piece next(String what) {
            if (!hasNext()) {
                int col = whole.col + whole.text.length();
                throw error(ErrorCode.ASM_SYNTAX, line, col, op.mnemonic() + ": expected " + what + " as operand " + (next + 1));
            }
            Piece p = items.get(next++);
            if (p.text.isEmpty()) {
                throw expected(p, line, what);
            }
            return p;
        }

        void end() {
            if (hasNext()) {
                Piece p = items.get(next);
                throw error(ErrorCode.ASM_SYNTAX, line, p.col, op.mnemonic() + " takes no more operands, found '" + p.text + "'; expected end of the op");
            }
        }

        boolean peekIsRegister() {
            return hasNext() && REGISTER.matcher(items.get(next).text).matches();
        }

        private int register(char kind, int count, String what) {
            Piece p = next(what);
            String t = p.text;
            if (t.length() < 2 || Character.toUpperCase(t.charAt(0)) != kind
                    || !t.substring(1).chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                throw expected(p, line, what);
            }
            if (t.length() > 4) {
                throw error(ErrorCode.REGISTER_RANGE, line, p.col, "'" + t + "' is out of range, expected " + what);
            }
            int n = Integer.parseInt(t.substring(1));
            if (n >= count) {
                throw error(ErrorCode.REGISTER_RANGE, line, p.col, "'" + t + "' is out of range, expected " + what);
            }
            return n;
        }

        int tile() {
            return register('T', Regs.TILES, "a tile register T0..T15");
        }

        int scalar() {
            return register('R', Regs.SCALARS, "a scalar register R0..R15");
        }

        int coord() {
            return register('P', Regs.COORDS, "a coordinate register P0..P7");
        }

        long integer(long min, long max, String what) {
            return Assembler.this.integer(line, next(what), min, max, what);
        }

        float floatValue() {
            return Float.intBitsToFloat(floatBits(line, next("a number")));
        }

        int peer() {
            return (int) integer(0, 0xFFFF, "a sentron index");
        }

        int channel() {
            return (int) integer(0, 255, "a channel 0..255");
        }

        int group() {
            return (int) integer(0, 255, "a group 0..255");
        }

        long[] shape(long max) {
            Piece p = next("a shape ROWSxCOLS");
            Matcher m = SHAPE.matcher(p.text);
            if (!m.matches()) {
                throw expected(p, line, "a shape ROWSxCOLS");
            }
            long r = Assembler.this.integer(line, new Piece(m.group(1), p.col + m.start(1)), 1, max, "a row count");
            long c = Assembler.this.integer(line, new Piece(m.group(2), p.col + m.start(2)), 1, max, "a column count");
            return new long[] {r, c};
        }

        DType dtype() {
            return keyword("a dtype (f32, bf16, f16, i32, i8)", DType::ofLabel);
        }

        <T> T keyword(String what, java.util.function.Function<String, T> lookup) {
            Piece p = next(what);
            T v = lookup.apply(p.text);
            if (v == null) {
                throw expected(p, line, what);
            }
            return v;
        }

        PhextAddress address() {
            Piece p = next("an address (a tensor name or a coordinate, optionally @line:column)");
            String text = p.text;
            int at = text.indexOf('@');
            String base = at < 0 ? text : text.substring(0, at);
            TensorDecl t = tensors.get(base);
            try {
                if (t != null) {
                    return at < 0 ? PhextAddress.of(t.coord()) : PhextAddress.parse(t.coord() + text.substring(at));
                }
                if (IDENT.matcher(base).matches()) {
                    throw error(ErrorCode.UNDEFINED_NAME, line, p.col, "'" + base + "' is not a declared tensor");
                }
                return PhextAddress.parse(text);
            } catch (IsaException e) {
                throw e.where().isEmpty() ? e.at(file + ":" + line.number + ":" + p.col) : e;
            }
        }

        long target() {
            Piece p = next("a label");
            Integer idx = labels.get(p.text);
            if (idx != null) {
                return idx;
            }
            if (DECIMAL_INT.matcher(p.text).matches()) {
                return Assembler.this.integer(line, p, 0, 0xFFFF_FFFFL, "a SIW index");
            }
            throw error(ErrorCode.UNDEFINED_LABEL, line, p.col, "label '" + p.text + "' is not defined; expected a label defined in this file or a SIW index");
        }
    }
}

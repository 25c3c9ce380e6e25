package ai.vtpu.isa.siw;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every op of the instruction set, exactly once: its slot, its code in that slot, its operand form and
 * its mnemonic. Semantics: docs/ISA.md §4 (D ops §4.1, S ops §4.2, C ops §4.3); codes: §3.5.
 */
public enum Opcode {
    // D slot, §4.1
    D_NOP(Pipe.D, 0x00, Form.NONE, "NOP"),
    MOV(Pipe.D, 0x01, Form.UNARY),
    FILL(Pipe.D, 0x02, Form.FILL),
    TRN(Pipe.D, 0x03, Form.UNARY),
    CVT(Pipe.D, 0x04, Form.CVT),
    MMA(Pipe.D, 0x10, Form.MMA),
    FMA(Pipe.D, 0x11, Form.TERNARY),
    ADD(Pipe.D, 0x12, Form.BINARY),
    SUB(Pipe.D, 0x13, Form.BINARY),
    MUL(Pipe.D, 0x14, Form.BINARY),
    DIV(Pipe.D, 0x15, Form.BINARY),
    MAX(Pipe.D, 0x16, Form.BINARY),
    MIN(Pipe.D, 0x17, Form.BINARY),
    CMP(Pipe.D, 0x18, Form.CMP),
    SEL(Pipe.D, 0x19, Form.TERNARY),
    POW(Pipe.D, 0x1A, Form.BINARY),
    NEG(Pipe.D, 0x20, Form.UNARY),
    ABS(Pipe.D, 0x21, Form.UNARY),
    RELU(Pipe.D, 0x22, Form.UNARY),
    GELU(Pipe.D, 0x23, Form.UNARY),
    SILU(Pipe.D, 0x24, Form.UNARY),
    SIGMOID(Pipe.D, 0x25, Form.UNARY),
    TANH(Pipe.D, 0x26, Form.UNARY),
    EXP(Pipe.D, 0x27, Form.UNARY),
    LOG(Pipe.D, 0x28, Form.UNARY),
    SQRT(Pipe.D, 0x29, Form.UNARY),
    RSQRT(Pipe.D, 0x2A, Form.UNARY),
    RECIP(Pipe.D, 0x2B, Form.UNARY),
    ERF(Pipe.D, 0x2C, Form.UNARY),
    REDSUM(Pipe.D, 0x30, Form.REDUCE),
    REDMAX(Pipe.D, 0x31, Form.REDUCE),
    REDMIN(Pipe.D, 0x32, Form.REDUCE),
    SOFTMAX(Pipe.D, 0x38, Form.UNARY),
    LNORM(Pipe.D, 0x39, Form.NORM),
    RMSNORM(Pipe.D, 0x3A, Form.NORM),

    // S slot, §4.2
    S_NOP(Pipe.S, 0x00, Form.NONE, "NOP"),
    GATHER(Pipe.S, 0x01, Form.TILE),
    SCATTER(Pipe.S, 0x02, Form.TILE),
    PREFETCH(Pipe.S, 0x03, Form.TILE),
    CSET(Pipe.S, 0x10, Form.CSET),
    INDEX(Pipe.S, 0x11, Form.INDEX),
    SLI(Pipe.S, 0x20, Form.SCALAR),
    SADD(Pipe.S, 0x21, Form.SCALAR),
    SMUL(Pipe.S, 0x22, Form.SCALAR),
    SID(Pipe.S, 0x23, Form.SCALAR),
    SCOUNT(Pipe.S, 0x24, Form.SCALAR),
    ALLOC(Pipe.S, 0x30, Form.PAGE),
    FREE(Pipe.S, 0x31, Form.PAGE),
    FLUSH(Pipe.S, 0x32, Form.PAGE),

    // C slot, §4.3
    C_NOP(Pipe.C, 0x00, Form.NONE, "NOP"),
    SEND(Pipe.C, 0x01, Form.COMM),
    RECV(Pipe.C, 0x02, Form.COMM),
    BAR(Pipe.C, 0x03, Form.COMM),
    FENCE(Pipe.C, 0x04, Form.COMM),
    REDUCE(Pipe.C, 0x05, Form.COMM),
    CAST(Pipe.C, 0x06, Form.COMM),
    ALLGATHER(Pipe.C, 0x07, Form.COMM),
    LOOP(Pipe.C, 0x10, Form.BRANCH),
    BRZ(Pipe.C, 0x11, Form.BRANCH),
    BRNZ(Pipe.C, 0x12, Form.BRANCH),
    JMP(Pipe.C, 0x13, Form.BRANCH),
    HALT(Pipe.C, 0x14, Form.BRANCH);

    private static final Map<Pipe, Opcode[]> BY_CODE = new EnumMap<>(Pipe.class);
    private static final Map<Pipe, Map<String, Opcode>> BY_MNEMONIC = new EnumMap<>(Pipe.class);

    static {
        for (Pipe p : Pipe.values()) {
            BY_CODE.put(p, new Opcode[256]);
            BY_MNEMONIC.put(p, new HashMap<>());
        }
        for (Opcode op : values()) {
            BY_CODE.get(op.pipe)[op.code] = op;
            BY_MNEMONIC.get(op.pipe).put(op.mnemonic, op);
        }
    }

    private final Pipe pipe;
    private final int code;
    private final Form form;
    private final String mnemonic;

    Opcode(Pipe pipe, int code, Form form) {
        this(pipe, code, form, null);
    }

    Opcode(Pipe pipe, int code, Form form, String mnemonic) {
        this.pipe = pipe;
        this.code = code;
        this.form = form;
        this.mnemonic = mnemonic == null ? name() : mnemonic;
    }

    public Pipe pipe() {
        return pipe;
    }

    public int code() {
        return code;
    }

    public Form form() {
        return form;
    }

    public String mnemonic() {
        return mnemonic;
    }

    public boolean isNop() {
        return form == Form.NONE;
    }

    /** Control-flow C ops run at issue, not in the C pipe's queue. */
    public boolean isControl() {
        return form == Form.BRANCH;
    }

    /** Ops that go into the asynchronous queue of the S or C pipe (and may signal a tag). */
    public boolean isQueued() {
        return !isNop() && (pipe == Pipe.S || form == Form.COMM);
    }

    /** @return the op with this code in this slot, or null */
    public static Opcode decode(Pipe pipe, int code) {
        return code >= 0 && code < 256 ? BY_CODE.get(pipe)[code] : null;
    }

    /** @return the op with this mnemonic (case-insensitive) in this slot, or null */
    public static Opcode ofMnemonic(Pipe pipe, String mnemonic) {
        if (!ai.vtpu.isa.Labels.isAsciiWord(mnemonic)) {
            return null; // case folding of non-ASCII letters ('ſ' to 'S') must not find an op
        }
        return BY_MNEMONIC.get(pipe).get(mnemonic.toUpperCase(Locale.ROOT));
    }
}

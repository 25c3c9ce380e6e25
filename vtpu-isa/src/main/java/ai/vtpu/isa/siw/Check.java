package ai.vtpu.isa.siw;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;

/** Field checks shared by the op records, so that every way of building an op enforces §3 alike. */
final class Check {
    /** Largest tile dimension (docs/ISA.md §1.1). */
    static final int MAX_TILE = 256;
    static final long U32_MAX = 0xFFFF_FFFFL;

    private Check() {
    }

    static void reg(Opcode op, String field, int value, int count) {
        if (value < 0 || value >= count) {
            throw new IsaException(ErrorCode.REGISTER_RANGE,
                    op.mnemonic() + ": " + field + " is " + value + ", expected 0.." + (count - 1));
        }
    }

    static void range(Opcode op, String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IsaException(ErrorCode.FIELD_RANGE,
                    op.mnemonic() + ": " + field + " is " + value + ", expected " + min + ".." + max);
        }
    }

    static void zero(Opcode op, String field, long value) {
        if (value != 0) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO,
                    op.mnemonic() + ": " + field + " is " + value + ", expected 0 (unused by this op)");
        }
    }

    static void flags(Opcode op, int flags, int allowed) {
        if ((flags & ~allowed) != 0) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO, op.mnemonic() + ": flags 0x"
                    + Integer.toHexString(flags) + " not allowed, allowed mask 0x" + Integer.toHexString(allowed));
        }
    }

    static void signal(Opcode op, int signal) {
        if (signal < -1 || signal > 7) {
            throw new IsaException(ErrorCode.FIELD_RANGE, op.mnemonic() + ": signal tag " + signal + ", expected 0..7");
        }
        if (signal >= 0 && !op.isQueued()) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO, op.mnemonic() + " cannot signal a tag");
        }
    }

    static void pipe(Opcode op, Pipe pipe) {
        if (op == null || op.pipe() != pipe) {
            throw new IsaException(ErrorCode.UNKNOWN_OPCODE,
                    (op == null ? "null" : op.mnemonic()) + " is not an op of the " + pipe + " slot");
        }
    }

    static void form(Opcode op, Form... forms) {
        for (Form f : forms) {
            if (op.form() == f) {
                return;
            }
        }
        throw new IsaException(ErrorCode.UNKNOWN_OPCODE, op.mnemonic() + " does not have the form of this record");
    }
}

package ai.vtpu.isa.siw;

/**
 * LOOP, BRZ, BRNZ, JMP, HALT: control flow, executed when the SIW issues, after its D op
 * (docs/ISA.md §4.3). {@code target} is an absolute SIW index.
 */
public record CBranch(Opcode opcode, int reg, long target) implements COp {

    public CBranch {
        Check.pipe(opcode, Pipe.C);
        Check.form(opcode, Form.BRANCH);
        if (usesRegister(opcode)) {
            Check.reg(opcode, "register", reg, Regs.SCALARS);
        } else {
            Check.zero(opcode, "register", reg);
        }
        if (opcode == Opcode.HALT) {
            Check.zero(opcode, "target", target);
        } else {
            Check.range(opcode, "target", target, 0, Check.U32_MAX);
        }
    }

    private static boolean usesRegister(Opcode op) {
        return op == Opcode.LOOP || op == Opcode.BRZ || op == Opcode.BRNZ;
    }

    public static CBranch halt() {
        return new CBranch(Opcode.HALT, 0, 0);
    }

    /** True for ops that may fall through to the next SIW. */
    public boolean mayFallThrough() {
        return opcode != Opcode.JMP && opcode != Opcode.HALT;
    }

    /** True for ops that may jump to {@link #target()}. */
    public boolean mayJump() {
        return opcode != Opcode.HALT;
    }

    @Override
    public int signal() {
        return -1;
    }

    @Override
    public long reads() {
        return usesRegister(opcode) ? Regs.scalar(reg) : 0;
    }

    @Override
    public long writes() {
        return opcode == Opcode.LOOP ? Regs.scalar(reg) : 0;
    }
}

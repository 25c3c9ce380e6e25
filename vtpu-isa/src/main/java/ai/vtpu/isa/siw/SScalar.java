package ai.vtpu.isa.siw;

/** SLI, SADD, SMUL, SID, SCOUNT: 64-bit scalar arithmetic (docs/ISA.md §4.2). */
public record SScalar(Opcode opcode, int flags, int signal, int dst, int a, int b, long imm) implements SOp {

    public SScalar {
        Check.pipe(opcode, Pipe.S);
        Check.form(opcode, Form.SCALAR);
        Check.signal(opcode, signal);
        boolean arith = opcode == Opcode.SADD || opcode == Opcode.SMUL;
        Check.flags(opcode, flags, arith ? REG : 0);
        Check.reg(opcode, "destination", dst, Regs.SCALARS);
        if (arith) {
            Check.reg(opcode, "a", a, Regs.SCALARS);
        } else {
            Check.zero(opcode, "a", a);
        }
        if ((flags & REG) != 0) {
            Check.reg(opcode, "b", b, Regs.SCALARS);
            Check.zero(opcode, "imm", imm);
        } else {
            Check.zero(opcode, "b", b);
        }
        if (opcode == Opcode.SID || opcode == Opcode.SCOUNT) {
            Check.zero(opcode, "imm", imm);
        }
    }

    public static SScalar li(int dst, long value) {
        return new SScalar(Opcode.SLI, 0, -1, dst, 0, 0, value);
    }

    public boolean usesRegister() {
        return (flags & REG) != 0;
    }

    @Override
    public long reads() {
        long r = 0;
        if (opcode == Opcode.SADD || opcode == Opcode.SMUL) {
            r |= Regs.scalar(a);
            if (usesRegister()) {
                r |= Regs.scalar(b);
            }
        }
        return r;
    }

    @Override
    public long writes() {
        return Regs.scalar(dst);
    }
}

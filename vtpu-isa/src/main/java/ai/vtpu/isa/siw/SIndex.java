package ai.vtpu.isa.siw;

import ai.vtpu.isa.coord.Dimension;

/**
 * INDEX: coordinate arithmetic. {@code P[dst] = P[src]} with {@code dim} increased by {@code imm}, plus
 * {@code R[reg]} when flag REG is set (docs/ISA.md §4.2).
 */
public record SIndex(int flags, int signal, int dst, int src, Dimension dim, int reg, long imm) implements SOp {

    public SIndex {
        Check.signal(Opcode.INDEX, signal);
        Check.flags(Opcode.INDEX, flags, REG);
        Check.reg(Opcode.INDEX, "destination", dst, Regs.COORDS);
        Check.reg(Opcode.INDEX, "source", src, Regs.COORDS);
        if (dim == null) {
            throw new IllegalArgumentException("INDEX needs a dimension");
        }
        if ((flags & REG) != 0) {
            Check.reg(Opcode.INDEX, "scalar register", reg, Regs.SCALARS);
        } else {
            Check.zero(Opcode.INDEX, "scalar register", reg);
        }
    }

    @Override
    public Opcode opcode() {
        return Opcode.INDEX;
    }

    public boolean usesRegister() {
        return (flags & REG) != 0;
    }

    @Override
    public long reads() {
        return Regs.coord(src) | (usesRegister() ? Regs.scalar(reg) : 0);
    }

    @Override
    public long writes() {
        return Regs.coord(dst);
    }
}

package ai.vtpu.isa.siw;

import ai.vtpu.isa.coord.PhextAddress;

/** CSET: a coordinate register takes an immediate address (docs/ISA.md §4.2). */
public record SCset(int signal, int coord, PhextAddress address) implements SOp {

    public SCset {
        Check.signal(Opcode.CSET, signal);
        Check.reg(Opcode.CSET, "coordinate register", coord, Regs.COORDS);
        if (address == null) {
            throw new IllegalArgumentException("CSET needs an address");
        }
    }

    @Override
    public Opcode opcode() {
        return Opcode.CSET;
    }

    @Override
    public int flags() {
        return 0;
    }

    @Override
    public long reads() {
        return 0;
    }

    @Override
    public long writes() {
        return Regs.coord(coord);
    }
}

package ai.vtpu.isa.siw;

/**
 * ALLOC, FREE, FLUSH: page management at the scroll in coordinate register {@code coord}
 * (docs/ISA.md §4.2). {@code dtype}, {@code lines} and {@code columns} are used by ALLOC only (null and
 * 0 otherwise).
 */
public record SPage(Opcode opcode, int signal, int coord, DType dtype, long lines, long columns) implements SOp {

    /** Largest page dimension. */
    public static final long MAX_DIM = Integer.MAX_VALUE;

    public SPage {
        Check.pipe(opcode, Pipe.S);
        Check.form(opcode, Form.PAGE);
        Check.signal(opcode, signal);
        Check.reg(opcode, "coordinate register", coord, Regs.COORDS);
        if (opcode == Opcode.ALLOC) {
            if (dtype == null) {
                throw new IllegalArgumentException("ALLOC needs a dtype");
            }
            Check.range(opcode, "lines", lines, 1, MAX_DIM);
            Check.range(opcode, "columns", columns, 1, MAX_DIM);
        } else {
            if (dtype != null) {
                throw new IllegalArgumentException(opcode.mnemonic() + " takes no dtype");
            }
            Check.zero(opcode, "lines", lines);
            Check.zero(opcode, "columns", columns);
        }
    }

    @Override
    public int flags() {
        return 0;
    }

    @Override
    public long reads() {
        return Regs.coord(coord);
    }

    @Override
    public long writes() {
        return 0;
    }
}

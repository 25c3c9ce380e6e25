package ai.vtpu.isa.siw;

/**
 * GATHER, SCATTER and PREFETCH: a tile of {@code rows x cols} between a page and a tile register,
 * starting at the address in coordinate register {@code coord}, stepping {@code lineStride} lines and
 * {@code colStride} columns (docs/ISA.md §4.2).
 */
public record STile(Opcode opcode, int flags, int signal, int tile, int coord, int rows, int cols,
                    long lineStride, long colStride) implements SOp {

    public STile {
        Check.pipe(opcode, Pipe.S);
        Check.form(opcode, Form.TILE);
        Check.signal(opcode, signal);
        Check.flags(opcode, flags, opcode == Opcode.SCATTER ? ADD | T : T);
        if (opcode == Opcode.PREFETCH) {
            Check.zero(opcode, "tile", tile);
        } else {
            Check.reg(opcode, "tile", tile, Regs.TILES);
        }
        Check.reg(opcode, "coordinate register", coord, Regs.COORDS);
        Check.range(opcode, "rows", rows, 1, Check.MAX_TILE);
        Check.range(opcode, "cols", cols, 1, Check.MAX_TILE);
        Check.range(opcode, "line stride", lineStride, 1, Check.U32_MAX);
        Check.range(opcode, "column stride", colStride, 1, Check.U32_MAX);
    }

    public static STile gather(int tile, int coord, int rows, int cols) {
        return new STile(Opcode.GATHER, 0, -1, tile, coord, rows, cols, 1, 1);
    }

    public static STile scatter(int tile, int coord, int rows, int cols) {
        return new STile(Opcode.SCATTER, 0, -1, tile, coord, rows, cols, 1, 1);
    }

    public STile signalling(int tag) {
        return new STile(opcode, flags, tag, tile, coord, rows, cols, lineStride, colStride);
    }

    public boolean transposed() {
        return (flags & T) != 0;
    }

    @Override
    public long reads() {
        return Regs.coord(coord) | (opcode == Opcode.SCATTER ? Regs.tile(tile) : 0);
    }

    @Override
    public long writes() {
        return opcode == Opcode.GATHER ? Regs.tile(tile) : 0;
    }
}

package ai.vtpu.isa.siw;

/**
 * SEND, RECV, BAR, FENCE, REDUCE, CAST, ALLGATHER (docs/ISA.md §4.3). Fields an op does not use are
 * zero: SEND uses tile, peer, channel; RECV adds rows and cols; BAR uses group; FENCE nothing; REDUCE
 * uses tile, group, mode (a {@link ReduceOp}); CAST uses tile, group, peer (the root), rows, cols;
 * ALLGATHER uses tile (destination), src, group, rows, cols (the result shape).
 */
public record CComm(Opcode opcode, int signal, int tile, int group, int mode, int peer, int rows, int cols,
                    int channel, int src) implements COp {

    public static final int MAX_PEER = 0xFFFF;

    public CComm {
        Check.pipe(opcode, Pipe.C);
        Check.form(opcode, Form.COMM);
        Check.signal(opcode, signal);
        boolean usesTile = switch (opcode) {
            case BAR, FENCE -> false;
            default -> true;
        };
        boolean usesGroup = switch (opcode) {
            case BAR, REDUCE, CAST, ALLGATHER -> true;
            default -> false;
        };
        boolean usesPeer = opcode == Opcode.SEND || opcode == Opcode.RECV || opcode == Opcode.CAST;
        boolean usesShape = opcode == Opcode.RECV || opcode == Opcode.CAST || opcode == Opcode.ALLGATHER;
        boolean usesChannel = opcode == Opcode.SEND || opcode == Opcode.RECV;
        if (usesTile) {
            Check.reg(opcode, "tile", tile, Regs.TILES);
        } else {
            Check.zero(opcode, "tile", tile);
        }
        if (usesGroup) {
            Check.range(opcode, "group", group, 0, 255);
        } else {
            Check.zero(opcode, "group", group);
        }
        if (opcode == Opcode.REDUCE) {
            Check.range(opcode, "reduce op", mode, 0, ReduceOp.values().length - 1);
        } else {
            Check.zero(opcode, "reduce op", mode);
        }
        if (usesPeer) {
            Check.range(opcode, opcode == Opcode.CAST ? "root" : "peer", peer, 0, MAX_PEER);
        } else {
            Check.zero(opcode, "peer", peer);
        }
        if (usesShape) {
            Check.range(opcode, "rows", rows, 1, Check.MAX_TILE);
            Check.range(opcode, "cols", cols, 1, Check.MAX_TILE);
        } else {
            Check.zero(opcode, "rows", rows);
            Check.zero(opcode, "cols", cols);
        }
        if (usesChannel) {
            Check.range(opcode, "channel", channel, 0, 255);
        } else {
            Check.zero(opcode, "channel", channel);
        }
        if (opcode == Opcode.ALLGATHER) {
            Check.reg(opcode, "source tile", src, Regs.TILES);
        } else {
            Check.zero(opcode, "source tile", src);
        }
    }

    public static CComm send(int tile, int peer, int channel) {
        return new CComm(Opcode.SEND, -1, tile, 0, 0, peer, 0, 0, channel, 0);
    }

    public static CComm recv(int tile, int peer, int channel, int rows, int cols) {
        return new CComm(Opcode.RECV, -1, tile, 0, 0, peer, rows, cols, channel, 0);
    }

    public static CComm barrier(int group) {
        return new CComm(Opcode.BAR, -1, 0, group, 0, 0, 0, 0, 0, 0);
    }

    public static CComm reduce(int tile, int group, ReduceOp op) {
        return new CComm(Opcode.REDUCE, -1, tile, group, op.code(), 0, 0, 0, 0, 0);
    }

    public CComm signalling(int tag) {
        return new CComm(opcode, tag, tile, group, mode, peer, rows, cols, channel, src);
    }

    @Override
    public long reads() {
        return switch (opcode) {
            case SEND, REDUCE, CAST -> Regs.tile(tile);
            case ALLGATHER -> Regs.tile(src);
            default -> 0;
        };
    }

    @Override
    public long writes() {
        return switch (opcode) {
            case RECV, REDUCE, CAST, ALLGATHER -> Regs.tile(tile);
            default -> 0;
        };
    }
}

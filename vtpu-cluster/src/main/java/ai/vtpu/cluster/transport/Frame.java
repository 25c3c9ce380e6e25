package ai.vtpu.cluster.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One NATS message of the network C pipe: a header and up to {@code chunk} floats of a tile. A tile larger than a
 * NATS message travels as several frames with the same key, in order (NATS keeps the order of one publisher on one
 * subject), and is reassembled by {@link NatsTransport}. Little-endian; docs/CLUSTER.md gives the layout.
 *
 * @param kind what the frame carries
 * @param a the sender sentron
 * @param b P2P: the receiver; group frames: the group
 * @param c P2P: the channel; group frames: the round (the how-many-th collective of the sender on that group)
 * @param op group frames: which step of which collective; P2P: 0
 * @param target group frames sent to one member (reduce-scatter): that member; else -1
 * @param offset where this frame's floats start in the tile
 */
record Frame(Kind kind, int a, int b, int c, int op, int target, int rows, int cols, int offset, int count, ByteBuffer payload) {
    enum Kind { P2P, GROUP, ACK }

    static final int HEADER = 1 + 4 * 9;

    static byte[] encode(Kind kind, int a, int b, int c, int op, int target, int rows, int cols, int offset, float[] data, int count) {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) kind.ordinal()).putInt(a).putInt(b).putInt(c).putInt(op).putInt(target).putInt(rows).putInt(cols)
                .putInt(offset).putInt(count);
        if (count > 0) {
            buf.asFloatBuffer().put(data, offset, count);
        }
        return buf.array();
    }

    static Frame decode(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Kind kind = Kind.values()[buf.get()];
        Frame f = new Frame(kind, buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt(), buf.getInt(),
                buf.getInt(), buf.getInt(), buf.slice().order(ByteOrder.LITTLE_ENDIAN));
        if (f.payload.remaining() != 4L * f.count) {
            throw new IllegalArgumentException("C-pipe frame: header says " + f.count + " floats, payload has "
                    + f.payload.remaining() + " bytes");
        }
        return f;
    }

    /** Copies this frame's floats into their place in {@code into}. */
    void copyTo(float[] into) {
        payload.asFloatBuffer().get(into, offset, count);
    }
}

package ai.vtpu.phextcc.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes ONNX models (opset 17, float32) from Java, with the field numbers of the official onnx.proto, so
 * that benchmark and test models are generated, never downloaded. A small builder: inputs, initializers,
 * nodes with int/float/ints attributes, outputs.
 */
public final class OnnxWriter {
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final String name;
    private int opset = 17;

    public OnnxWriter(String name) {
        this.name = name;
    }

    /** The default-domain opset to declare (17 unless set; Gelu needs 20). */
    public OnnxWriter opset(int version) {
        this.opset = version;
        return this;
    }

    /** Protobuf field writers on a growing buffer. */
    private static final class Buf {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void key(int field, int wire) {
            varint((long) field << 3 | wire);
        }

        void bytes(int field, byte[] b) {
            key(field, 2);
            varint(b.length);
            out.write(b, 0, b.length);
        }

        void string(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void int64(int field, long v) {
            key(field, 0);
            varint(v);
        }

        void float32(int field, float f) {
            key(field, 5);
            int b = Float.floatToRawIntBits(f);
            for (int i = 0; i < 4; i++) {
                out.write(b >>> (8 * i) & 0xFF);
            }
        }

        byte[] done() {
            return out.toByteArray();
        }
    }

    private static byte[] valueInfo(String name, long... shape) {
        Buf dims = new Buf();
        for (long d : shape) {
            Buf dim = new Buf();
            dim.int64(1, d);
            dims.bytes(1, dim.done());
        }
        Buf tensor = new Buf();
        tensor.int64(1, 1); // float32
        tensor.bytes(2, dims.done());
        Buf type = new Buf();
        type.bytes(1, tensor.done());
        Buf v = new Buf();
        v.string(1, name);
        v.bytes(2, type.done());
        return v.done();
    }

    public OnnxWriter input(String name, long... shape) {
        inputs.add(valueInfo(name, shape));
        return this;
    }

    public OnnxWriter output(String name, long... shape) {
        outputs.add(valueInfo(name, shape));
        return this;
    }

    public OnnxWriter initializer(String name, float[] values, long... shape) {
        initializers.add(tensorProto(name, values, shape));
        return this;
    }

    /** A float32 TensorProto with raw little-endian data: an initializer, or a {@code .pb} tensor file. */
    public static byte[] tensorProto(String name, float[] values, long... shape) {
        Buf t = new Buf();
        for (long d : shape) {
            t.int64(1, d);
        }
        t.int64(2, 1);
        t.string(8, name);
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            raw.putFloat(f);
        }
        t.bytes(9, raw.array());
        return t.done();
    }

    /** A node; attributes as name/value pairs: Long (int), Float, or long[] (ints). */
    public OnnxWriter node(String op, List<String> in, List<String> out, Object... attrs) {
        Buf n = new Buf();
        in.forEach(i -> n.string(1, i));
        out.forEach(o -> n.string(2, o));
        n.string(3, op + "_" + nodes.size());
        n.string(4, op);
        for (int i = 0; i < attrs.length; i += 2) {
            Buf a = new Buf();
            a.string(1, (String) attrs[i]);
            Object v = attrs[i + 1];
            if (v instanceof Float f) {
                a.float32(2, f);
                a.int64(20, 1);
            } else if (v instanceof Long l) {
                a.int64(3, l);
                a.int64(20, 2);
            } else if (v instanceof long[] ls) {
                for (long l : ls) {
                    a.int64(8, l);
                }
                a.int64(20, 7);
            } else {
                throw new IllegalArgumentException("attribute " + attrs[i] + ": unsupported value " + v);
            }
            n.bytes(5, a.done());
        }
        nodes.add(n.done());
        return this;
    }

    public byte[] toBytes() {
        Buf g = new Buf();
        nodes.forEach(n -> g.bytes(1, n));
        g.string(2, name);
        initializers.forEach(t -> g.bytes(5, t));
        inputs.forEach(i -> g.bytes(11, i));
        outputs.forEach(o -> g.bytes(12, o));
        Buf ops = new Buf();
        ops.string(1, "");
        ops.int64(2, this.opset);
        Buf m = new Buf();
        m.int64(1, 9); // IR version 9 (ONNX 1.15, opset 20)
        m.string(2, "vtpu");
        m.bytes(7, g.done());
        m.bytes(8, ops.done());
        return m.done();
    }
}

package ai.vtpu.phextcc.onnx;

import ai.vtpu.phextcc.CompileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model phextcc reads (field numbers of the official onnx.proto, read from the wire
 * format directly): opsets, the graph's nodes, initializers, inputs and outputs, and TensorProto values.
 */
public final class OnnxModel {
    /** A tensor value: its name, dims and values as doubles (every numeric ONNX type fits). */
    public record Tensor(String name, List<Long> dims, int dataType, double[] values) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    /** A node attribute; only the fields its type uses are set. */
    public record Attribute(String name, int type, double f, long i, String s, Tensor t, List<Double> floats, List<Long> ints) {
    }

    public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, Attribute> attributes) {
    }

    /** A graph input or output: element type and shape (-1 for a symbolic dimension). */
    public record ValueInfo(String name, int elemType, List<Long> shape) {
    }

    public record Graph(String name, List<Node> nodes, Map<String, Tensor> initializers, List<ValueInfo> inputs,
                        List<ValueInfo> outputs) {
    }

    public record Model(long irVersion, Map<String, Long> opsets, Graph graph) {
        public long opset() {
            return opsets.getOrDefault("", opsets.getOrDefault("ai.onnx", 0L));
        }
    }

    private OnnxModel() {
    }

    public static Model read(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CompileException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return model(new Wire(b, 0, b.length, file.toString()));
    }

    /** A model already in memory (submitted to the scheduler); {@code name} is used in error locations. */
    public static Model read(byte[] b, String name) {
        return model(new Wire(b, 0, b.length, name));
    }

    /** A serialized TensorProto (the .pb files of the ONNX test suite). */
    public static Tensor readTensor(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CompileException(file + ": cannot read (" + e.getMessage() + ")");
        }
        return tensor(new Wire(b, 0, b.length, file.toString()));
    }

    private static Model model(Wire w) {
        long ir = 0;
        Map<String, Long> opsets = new LinkedHashMap<>();
        Graph g = null;
        while (w.more()) {
            int k = w.key();
            switch (k >>> 3) {
                case 1 -> ir = w.varint();
                case 7 -> g = graph(w.message());
                case 8 -> {
                    Wire o = w.message();
                    String domain = "";
                    long version = 0;
                    while (o.more()) {
                        int ok = o.key();
                        switch (ok >>> 3) {
                            case 1 -> domain = o.string();
                            case 2 -> version = o.varint();
                            default -> o.skip(ok & 7);
                        }
                    }
                    opsets.put(domain, version);
                }
                default -> w.skip(k & 7);
            }
        }
        if (g == null) {
            throw new CompileException("the ONNX model has no graph");
        }
        return new Model(ir, opsets, g);
    }

    private static Graph graph(Wire w) {
        String name = "";
        List<Node> nodes = new ArrayList<>();
        Map<String, Tensor> inits = new LinkedHashMap<>();
        List<ValueInfo> inputs = new ArrayList<>();
        List<ValueInfo> outputs = new ArrayList<>();
        while (w.more()) {
            int k = w.key();
            switch (k >>> 3) {
                case 1 -> nodes.add(node(w.message()));
                case 2 -> name = w.string();
                case 5 -> {
                    Tensor t = tensor(w.message());
                    inits.put(t.name(), t);
                }
                case 11 -> inputs.add(valueInfo(w.message()));
                case 12 -> outputs.add(valueInfo(w.message()));
                default -> w.skip(k & 7);
            }
        }
        return new Graph(name, nodes, inits, inputs, outputs);
    }

    private static Node node(Wire w) {
        List<String> in = new ArrayList<>();
        List<String> out = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, Attribute> attrs = new LinkedHashMap<>();
        while (w.more()) {
            int k = w.key();
            switch (k >>> 3) {
                case 1 -> in.add(w.string());
                case 2 -> out.add(w.string());
                case 3 -> name = w.string();
                case 4 -> op = w.string();
                case 5 -> {
                    Attribute a = attribute(w.message());
                    attrs.put(a.name(), a);
                }
                case 7 -> domain = w.string();
                default -> w.skip(k & 7);
            }
        }
        return new Node(name, op, domain, in, out, attrs);
    }

    private static Attribute attribute(Wire w) {
        String name = "";
        int type = 0;
        double f = 0;
        long i = 0;
        String s = null;
        Tensor t = null;
        List<Double> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        while (w.more()) {
            int k = w.key();
            int wt = k & 7;
            switch (k >>> 3) {
                case 1 -> name = w.string();
                case 2 -> f = Float.intBitsToFloat(w.fixed32());
                case 3 -> i = w.varint();
                case 4 -> s = w.string();
                case 5 -> t = tensor(w.message());
                case 7 -> {
                    if (wt == Wire.LEN) {
                        Wire p = w.message();
                        while (p.more()) {
                            floats.add((double) Float.intBitsToFloat(p.fixed32()));
                        }
                    } else {
                        floats.add((double) Float.intBitsToFloat(w.fixed32()));
                    }
                }
                case 8 -> {
                    if (wt == Wire.LEN) {
                        Wire p = w.message();
                        while (p.more()) {
                            ints.add(p.varint());
                        }
                    } else {
                        ints.add(w.varint());
                    }
                }
                case 20 -> type = (int) w.varint();
                default -> w.skip(wt);
            }
        }
        return new Attribute(name, type, f, i, s, t, floats, ints);
    }

    private static ValueInfo valueInfo(Wire w) {
        String name = "";
        int elem = 0;
        List<Long> shape = new ArrayList<>();
        while (w.more()) {
            int k = w.key();
            switch (k >>> 3) {
                case 1 -> name = w.string();
                case 2 -> {
                    Wire type = w.message();
                    while (type.more()) {
                        int tk = type.key();
                        if ((tk >>> 3) == 1) {
                            Wire tensor = type.message();
                            while (tensor.more()) {
                                int xk = tensor.key();
                                switch (xk >>> 3) {
                                    case 1 -> elem = (int) tensor.varint();
                                    case 2 -> {
                                        Wire sh = tensor.message();
                                        while (sh.more()) {
                                            int sk = sh.key();
                                            if ((sk >>> 3) == 1) {
                                                Wire dim = sh.message();
                                                long v = -1;
                                                while (dim.more()) {
                                                    int dk = dim.key();
                                                    if ((dk >>> 3) == 1) {
                                                        v = dim.varint();
                                                    } else {
                                                        dim.skip(dk & 7);
                                                    }
                                                }
                                                shape.add(v);
                                            } else {
                                                sh.skip(sk & 7);
                                            }
                                        }
                                    }
                                    default -> tensor.skip(xk & 7);
                                }
                            }
                        } else {
                            type.skip(tk & 7);
                        }
                    }
                }
                default -> w.skip(k & 7);
            }
        }
        return new ValueInfo(name, elem, shape);
    }

    static Tensor tensor(Wire w) {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = "";
        byte[] raw = null;
        List<Double> vals = new ArrayList<>();
        while (w.more()) {
            int k = w.key();
            int wt = k & 7;
            int field = k >>> 3;
            switch (field) {
                case 1 -> {
                    if (wt == Wire.LEN) {
                        Wire p = w.message();
                        while (p.more()) {
                            dims.add(p.varint());
                        }
                    } else {
                        dims.add(w.varint());
                    }
                }
                case 2 -> type = (int) w.varint();
                case 4, 5, 7, 10, 11 -> {
                    Wire p = wt == Wire.LEN ? w.message() : null;
                    do {
                        Wire src = p != null ? p : w;
                        double v = switch (field) {
                            case 4 -> Float.intBitsToFloat(src.fixed32());
                            case 10 -> Double.longBitsToDouble(src.fixed64());
                            case 5 -> (int) src.varint();
                            default -> src.varint();
                        };
                        vals.add(v);
                    } while (p != null && p.more());
                }
                case 8 -> name = w.string();
                case 9 -> raw = w.bytes();
                default -> w.skip(wt);
            }
        }
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        double[] values;
        if (raw != null) {
            values = fromRaw(raw, type, n, name);
        } else {
            values = vals.stream().mapToDouble(Double::doubleValue).toArray();
            if (type == 10 && values.length > 0) { // float16 values arrive as raw bits in int32_data
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.float16ToFloat((short) (long) values[i]);
                }
            }
        }
        if (values.length != n) {
            throw new CompileException("tensor " + name + ": " + values.length + " values for dims " + dims);
        }
        return new Tensor(name, dims, type, values);
    }

    private static double[] fromRaw(byte[] raw, int type, long n, String name) {
        ByteBuffer buf = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int size = switch (type) {
            case 1, 6, 12 -> 4; // float, int32, uint32
            case 7, 11, 13 -> 8; // int64, double, uint64
            case 10, 5, 4 -> 2; // float16, int16, uint16
            case 2, 3, 9 -> 1; // uint8, int8, bool
            default -> throw new CompileException("tensor " + name + ": data type " + type + " is not supported");
        };
        if ((long) raw.length != n * size) {
            throw new CompileException("tensor " + name + ": " + raw.length + " raw bytes for " + n + " elements of " + size + " bytes");
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (type) {
                case 1 -> buf.getFloat();
                case 6 -> buf.getInt();
                case 12 -> buf.getInt() & 0xFFFF_FFFFL;
                case 7, 13 -> buf.getLong();
                case 11 -> buf.getDouble();
                case 10 -> Float.float16ToFloat(buf.getShort());
                case 5 -> buf.getShort();
                case 4 -> buf.getShort() & 0xFFFF;
                case 3 -> buf.get();
                default -> buf.get() & 0xFF;
            };
        }
        return v;
    }
}

package ai.vtpu.runtime.io;

import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1.0-3.0), the way tensors enter and leave {@code vtpu run}.
 * Reads float32, float64, float16, int32, int64 and int8 arrays in C order (converted to fp32); writes
 * little-endian float32. Errors say which file and what was expected.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    public static HostTensor read(Path file) {
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new VtpuRuntimeException(file + ": cannot read (" + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()) + ")");
        }
        return parse(b, file.toString());
    }

    public static HostTensor parse(byte[] b, String name) {
        if (b.length < 10 || !java.util.Arrays.equals(b, 0, 6, MAGIC, 0, 6)) {
            throw new VtpuRuntimeException(name + ": not a .npy file (expected the magic \\x93NUMPY)");
        }
        int major = b[6];
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = buf.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (b.length < 12) {
                throw new VtpuRuntimeException(name + ": truncated .npy header");
            }
            headerLen = buf.getInt(8) & 0xFFFF_FFFFL;
            headerStart = 12;
        } else {
            throw new VtpuRuntimeException(name + ": .npy format version " + major + " is not supported (expected 1, 2 or 3)");
        }
        if (headerStart + headerLen > b.length) {
            throw new VtpuRuntimeException(name + ": truncated .npy header");
        }
        String header = new String(b, headerStart, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher o = ORDER.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !o.find() || !s.find()) {
            throw new VtpuRuntimeException(name + ": .npy header lacks descr, fortran_order or shape: " + header.strip());
        }
        if (o.group(1).equals("True")) {
            throw new VtpuRuntimeException(name + ": Fortran-order arrays are not supported; save with np.ascontiguousarray");
        }
        List<Integer> shape = new ArrayList<>();
        long count = 1;
        for (String part : s.group(1).split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            long v;
            try {
                v = Long.parseLong(p.replace("L", ""));
            } catch (NumberFormatException e) {
                throw new VtpuRuntimeException(name + ": bad shape entry '" + p + "' in the .npy header");
            }
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new VtpuRuntimeException(name + ": shape entry " + v + " out of range");
            }
            shape.add((int) v);
            count *= v;
        }
        if (shape.isEmpty()) {
            shape.add(1); // a scalar becomes a one-element vector
        }
        String descr = d.group(1);
        int size = switch (descr.substring(Math.min(1, descr.length()))) {
            case "f4", "i4" -> 4;
            case "f8", "i8" -> 8;
            case "f2" -> 2;
            case "i1" -> 1;
            default -> throw new VtpuRuntimeException(name + ": dtype '" + descr
                    + "' is not supported (expected float32, float64, float16, int32, int64 or int8)");
        };
        if (size > 1 && descr.charAt(0) == '>') {
            throw new VtpuRuntimeException(name + ": big-endian arrays are not supported; save with dtype '<" + descr.substring(1) + "'");
        }
        long dataStart = headerStart + headerLen;
        if (count > Integer.MAX_VALUE || dataStart + count * size != b.length) {
            throw new VtpuRuntimeException(name + ": the header promises " + count + " elements of " + size + " bytes, the file has "
                    + (b.length - dataStart) + " data bytes");
        }
        float[] data = new float[(int) count];
        buf.position((int) dataStart);
        String kind = descr.substring(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = switch (kind) {
                case "f4" -> buf.getFloat();
                case "f8" -> (float) buf.getDouble();
                case "f2" -> Float.float16ToFloat(buf.getShort());
                case "i4" -> buf.getInt();
                case "i8" -> buf.getLong();
                default -> buf.get();
            };
        }
        return new HostTensor(shape, data);
    }

    public static byte[] toBytes(HostTensor t) {
        StringBuilder shape = new StringBuilder("(");
        for (int d : t.shape()) {
            shape.append(d).append(", ");
        }
        if (t.shape().size() > 1) {
            shape.setLength(shape.length() - 2);
        } else {
            shape.setLength(shape.length() - 1);
        }
        shape.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer buf = ByteBuffer.allocate(10 + header.length() + 4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        buf.put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (float f : t.data()) {
            buf.putFloat(f);
        }
        return buf.array();
    }

    public static void write(Path file, HostTensor t) {
        try {
            Files.write(file, toBytes(t));
        } catch (IOException e) {
            throw new VtpuRuntimeException(file + ": cannot write (" + e.getMessage() + ")");
        }
    }
}

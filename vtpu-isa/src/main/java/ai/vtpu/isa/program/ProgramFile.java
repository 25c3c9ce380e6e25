package ai.vtpu.isa.program;

import static ai.vtpu.isa.LittleEndian.put16;
import static ai.vtpu.isa.LittleEndian.put32;
import static ai.vtpu.isa.LittleEndian.put8;
import static ai.vtpu.isa.LittleEndian.u16;
import static ai.vtpu.isa.LittleEndian.u32;
import static ai.vtpu.isa.LittleEndian.u8;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Siw;
import ai.vtpu.isa.siw.SiwCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/** Reads and writes the {@code .siw} program file (docs/ISA.md §5). */
public final class ProgramFile {
    public static final byte[] MAGIC = "vTPU-SIW".getBytes(StandardCharsets.US_ASCII);
    public static final int MAJOR = 1;
    public static final int MINOR = 1;
    /** Header flag bit 0 (docs/ISA.md §5.1). */
    public static final int WRITES_FIRST = 1;
    public static final int HEADER_BYTES = 32;

    private ProgramFile() {
    }

    public static byte[] write(Program p) {
        byte[] decl = declarations(p);
        int codeStart = align64(HEADER_BYTES + decl.length);
        byte[] out = new byte[codeStart + Siw.BYTES * p.code().size()];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        put16(out, 8, MAJOR);
        put16(out, 10, MINOR);
        put32(out, 12, p.code().size());
        put32(out, 16, decl.length);
        put32(out, 24, p.writesFirst() ? WRITES_FIRST : 0);
        System.arraycopy(decl, 0, out, HEADER_BYTES, decl.length);
        for (int i = 0; i < p.code().size(); i++) {
            SiwCodec.encode(p.code().get(i), out, codeStart + i * Siw.BYTES);
        }
        put32(out, 20, crc(out));
        return out;
    }

    public static void write(Program p, Path file) {
        try {
            Files.write(file, write(p));
        } catch (IOException e) {
            throw IsaException.io(file, "write", e);
        }
    }

    public static Program read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw IsaException.io(file, "read", e);
        }
        try {
            return read(bytes);
        } catch (IsaException e) {
            throw e.at(file.toString());
        }
    }

    /** True when the bytes start with the .siw magic (used to tell binary from assembly input). */
    public static boolean looksLikeSiw(byte[] bytes) {
        return bytes.length >= MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /**
     * Parses a whole file. The header's counts are checked against the file length and the CRC before
     * anything is allocated per SIW, so a lying header fails at once.
     */
    public static Program read(byte[] b) {
        if (b.length < HEADER_BYTES) {
            if (b.length >= MAGIC.length && !looksLikeSiw(b)) {
                throw new IsaException(ErrorCode.BAD_MAGIC, "bytes 0..7",
                        "expected the magic 'vTPU-SIW'; is this a .siwa text file or another format?");
            }
            throw new IsaException(ErrorCode.TRUNCATED, "header",
                    "file is " + b.length + " bytes, a .siw header alone is " + HEADER_BYTES);
        }
        if (!looksLikeSiw(b)) {
            throw new IsaException(ErrorCode.BAD_MAGIC, "bytes 0..7",
                    "expected the magic 'vTPU-SIW'; is this a .siwa text file or another format?");
        }
        int major = u16(b, 8);
        if (major != MAJOR) {
            throw new IsaException(ErrorCode.UNSUPPORTED_VERSION, "bytes 8..9",
                    "format " + major + "." + u16(b, 10) + ", this reader understands " + MAJOR + ".x");
        }
        long count = u32(b, 12);
        long declLength = u32(b, 16);
        long flags = u32(b, 24);
        if ((flags & ~WRITES_FIRST) != 0) {
            throw new IsaException(ErrorCode.RESERVED_NONZERO, "header bytes 24..27",
                    String.format("flags are %08x; only bit 0 (WRITES_FIRST) is defined, the others must be zero", flags));
        }
        for (int i = 28; i < HEADER_BYTES; i++) {
            if (b[i] != 0) {
                throw new IsaException(ErrorCode.RESERVED_NONZERO, "header byte " + i, "must be zero");
            }
        }
        long codeStart = align64(HEADER_BYTES + declLength);
        long expected = codeStart + count * Siw.BYTES;
        if (expected != b.length) {
            throw new IsaException(b.length < expected ? ErrorCode.TRUNCATED : ErrorCode.SIZE_MISMATCH, "header",
                    "declares " + count + " SIWs and a " + declLength + "-byte declaration section, which needs "
                            + expected + " bytes; the file has " + b.length);
        }
        long storedCrc = u32(b, 20);
        long actualCrc = crc(b);
        if (storedCrc != actualCrc) {
            throw new IsaException(ErrorCode.CRC_MISMATCH, "bytes 20..23",
                    String.format("CRC-32C is %08x, the contents give %08x: the file is damaged", storedCrc, actualCrc));
        }
        for (long i = HEADER_BYTES + declLength; i < codeStart; i++) {
            if (b[(int) i] != 0) {
                throw new IsaException(ErrorCode.RESERVED_NONZERO, "byte " + i, "padding before the code must be zero");
            }
        }
        Declarations decl = new DeclReader(b, HEADER_BYTES, (int) declLength).read();
        // Duplicates could not come from the assembler, and the disassembler could not print them back.
        var names = new java.util.HashSet<String>();
        for (TensorDecl t : decl.tensors()) {
            if (!names.add(t.name())) {
                throw new IsaException(ErrorCode.BAD_DECLARATION, "declaration section", "tensor " + t.name() + " is declared twice");
            }
        }
        var ids = new java.util.HashSet<Integer>();
        for (GroupDecl g : decl.groups()) {
            if (!ids.add(g.id())) {
                throw new IsaException(ErrorCode.BAD_DECLARATION, "declaration section", "group " + g.id() + " is declared twice");
            }
        }
        List<Siw> code = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            code.add(SiwCodec.decode(b, (int) codeStart + i * Siw.BYTES, i));
        }
        return new Program(decl.tensors(), decl.groups(), code, (flags & WRITES_FIRST) != 0);
    }

    private static long crc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, HEADER_BYTES, b.length - HEADER_BYTES);
        return crc.getValue();
    }

    private static int align64(int n) {
        return (n + 63) & ~63;
    }

    private static long align64(long n) {
        return (n + 63) & ~63L;
    }

    private static byte[] declarations(Program p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16];
        put16(buf, 0, p.tensors().size());
        out.write(buf, 0, 2);
        for (TensorDecl t : p.tensors()) {
            byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
            out.write(name.length);
            out.write(name, 0, name.length);
            out.write(t.dtype().code());
            out.write(t.role().ordinal());
            out.write(t.split().ordinal());
            out.write(t.rank());
            for (int d : t.shape()) {
                put32(buf, 0, d);
                out.write(buf, 0, 4);
            }
            t.coord().writePacked(buf, 0);
            out.write(buf, 0, PhextCoord.PACKED_BYTES);
        }
        put16(buf, 0, p.groups().size());
        out.write(buf, 0, 2);
        for (GroupDecl g : p.groups()) {
            out.write(g.id());
            put16(buf, 0, g.members().size());
            out.write(buf, 0, 2);
            for (int m : g.members()) {
                put16(buf, 0, m);
                out.write(buf, 0, 2);
            }
        }
        return out.toByteArray();
    }

    private record Declarations(List<TensorDecl> tensors, List<GroupDecl> groups) {
    }

    /** A bounds-checked cursor over the declaration section. */
    private static final class DeclReader {
        private final byte[] b;
        private final int end;
        private int pos;

        DeclReader(byte[] b, int start, int length) {
            this.b = b;
            this.pos = start;
            this.end = start + length;
        }

        private void need(int n, String what) {
            if (end - pos < n) {
                throw new IsaException(ErrorCode.BAD_DECLARATION_SECTION, "byte " + pos,
                        "declaration section ends inside " + what);
            }
        }

        private int u8At(String what) {
            need(1, what);
            return u8(b, pos++);
        }

        private int u16At(String what) {
            need(2, what);
            int v = u16(b, pos);
            pos += 2;
            return v;
        }

        Declarations read() {
            try {
                return readUnchecked();
            } catch (IsaException e) {
                if (e.code() == ErrorCode.BAD_DECLARATION_SECTION) {
                    throw e;
                }
                throw e.at("declaration section, byte " + pos);
            }
        }

        private Declarations readUnchecked() {
            int tensorCount = u16At("the tensor count");
            List<TensorDecl> tensors = new ArrayList<>();
            for (int i = 0; i < tensorCount; i++) {
                String what = "tensor " + i;
                int nameLength = u8At(what);
                need(nameLength, what + "'s name");
                String name = new String(b, pos, nameLength, StandardCharsets.UTF_8);
                pos += nameLength;
                int dtypeCode = u8At(what);
                DType dtype = DType.ofCode(dtypeCode);
                Role role = Role.ofCode(u8At(what));
                Split split = Split.ofCode(u8At(what));
                int rank = u8At(what);
                if (dtype == null || role == null || split == null || rank < 1 || rank > TensorDecl.MAX_RANK) {
                    throw new IsaException(ErrorCode.BAD_DECLARATION, "byte " + pos,
                            "tensor " + name + ": dtype, role, split or rank code out of range");
                }
                List<Integer> shape = new ArrayList<>(rank);
                for (int d = 0; d < rank; d++) {
                    need(4, what + "'s shape");
                    long dim = u32(b, pos);
                    pos += 4;
                    if (dim < 1 || dim > Integer.MAX_VALUE) {
                        throw new IsaException(ErrorCode.BAD_DECLARATION, "byte " + (pos - 4),
                                "tensor " + name + ": dim " + d + " is " + dim + ", expected 1.." + Integer.MAX_VALUE);
                    }
                    shape.add((int) dim);
                }
                need(PhextCoord.PACKED_BYTES, what + "'s coordinate");
                PhextCoord coord = PhextCoord.readPacked(b, pos);
                pos += PhextCoord.PACKED_BYTES;
                tensors.add(new TensorDecl(name, dtype, shape, coord, role, split));
            }
            int groupCount = u16At("the group count");
            List<GroupDecl> groups = new ArrayList<>();
            for (int i = 0; i < groupCount; i++) {
                int id = u8At("group " + i);
                int members = u16At("group " + i);
                need(2 * members, "group " + id + "'s members");
                List<Integer> list = new ArrayList<>(members);
                for (int m = 0; m < members; m++) {
                    list.add(u16(b, pos));
                    pos += 2;
                }
                groups.add(new GroupDecl(id, list));
            }
            if (pos != end) {
                throw new IsaException(ErrorCode.BAD_DECLARATION_SECTION, "byte " + pos,
                        (end - pos) + " bytes left over after the declarations");
            }
            return new Declarations(tensors, groups);
        }
    }
}

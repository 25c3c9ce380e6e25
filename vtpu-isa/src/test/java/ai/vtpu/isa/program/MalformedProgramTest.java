package ai.vtpu.isa.program;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.LittleEndian;
import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.SCset;
import ai.vtpu.isa.siw.SIndex;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.STile;
import ai.vtpu.isa.siw.Siw;
import ai.vtpu.isa.siw.SiwCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed {@code .siw} files (docs/ISA.md §3, §5): each corruption of a valid program must end in an
 * {@link IsaException} with its own code and a message that says where and what, never in another
 * exception type. The valid program is examples/gemm.siwa, assembled.
 */
class MalformedProgramTest {

    private static final long SEED = 20_251_126L;

    /** The assembled GEMM example and the byte offsets the corruptions aim at. */
    private static final Program GEMM = assembleGemm();
    private static final byte[] VALID = ProgramFile.write(GEMM);
    private static final int CODE_START = align64(ProgramFile.HEADER_BYTES + (int) LittleEndian.u32(VALID, 16));

    // SIWs of the example chosen by what they hold, so that the cases do not depend on line numbers.
    private static final int SIW_CSET = indexOf(s -> s.s() instanceof SCset);
    private static final int SIW_GATHER_QUIET = indexOf(s -> s.s() instanceof STile t && t.opcode() == Opcode.GATHER
            && t.signal() < 0);
    private static final int SIW_GATHER_SIGNALLING = indexOf(s -> s.s() instanceof STile t && t.signal() >= 0);
    private static final int SIW_INDEX = indexOf(s -> s.s() instanceof SIndex);
    private static final int SIW_MMA = indexOf(s -> s.d().opcode() == Opcode.MMA);
    private static final int SIW_LOOP = indexOf(s -> s.c() instanceof CBranch b && b.opcode() == Opcode.LOOP
            && s.s() == SOp.NOP);
    private static final int SIW_D_NOP = indexOf(s -> s.d() == DOp.NOP);

    /** Offset of the first tensor's packed coordinate in the declaration section (§5.2). */
    private static final int FIRST_TENSOR_COORD = firstTensorCoordOffset();
    /** Offset of its dims (rank x u32) and of its rank byte just before them. */
    private static final int FIRST_TENSOR_DIMS = FIRST_TENSOR_COORD - 4 * GEMM.tensors().get(0).rank();

    /** One corruption: a name, how to make it from the valid bytes, and the error it must give. */
    record Case(String name, UnaryOperator<byte[]> corrupt, ErrorCode code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> corpus() {
        int len = VALID.length;
        int siws = GEMM.code().size();
        return Stream.of(
                // ---- file structure
                new Case("empty file", b -> new byte[0], ErrorCode.TRUNCATED, "file is 0 bytes"),
                new Case("truncated header (10 bytes)", b -> Arrays.copyOf(b, 10), ErrorCode.TRUNCATED,
                        "file is 10 bytes, a .siw header alone is 32"),
                new Case("truncated in the middle of the code", b -> Arrays.copyOf(b, siw(5) + 17), ErrorCode.TRUNCATED,
                        "declares " + siws + " SIWs and a " + LittleEndian.u32(VALID, 16)
                                + "-byte declaration section, which needs " + len + " bytes; the file has "
                                + (siw(5) + 17)),
                new Case("wrong magic", b -> set(b, 0, 'V'), ErrorCode.BAD_MAGIC, "expected the magic 'vTPU-SIW'"),
                new Case("assembly text instead of a .siw", b -> "C: HALT ; not binary\n".getBytes(StandardCharsets.UTF_8),
                        ErrorCode.BAD_MAGIC, "is this a .siwa text file"),
                new Case("major version 2", b -> put16(b, 8, 2), ErrorCode.UNSUPPORTED_VERSION,
                        "format 2." + ProgramFile.MINOR + ", this reader understands 1.x"),
                new Case("major version 0", b -> put16(b, 8, 0), ErrorCode.UNSUPPORTED_VERSION, "format 0." + ProgramFile.MINOR),
                new Case("CRC wrong: a code byte flipped, stored CRC kept", b -> set(b, siw(SIW_MMA) + 9, b[siw(SIW_MMA) + 9] ^ 0x40),
                        ErrorCode.CRC_MISMATCH, "bytes 20..23: [VTPU-1004] CRC-32C is"),
                new Case("CRC wrong: the stored CRC flipped", b -> set(b, 21, b[21] ^ 1), ErrorCode.CRC_MISMATCH,
                        "the file is damaged"),
                new Case("header claims 2^31 SIWs", b -> put32(b, 12, 0x8000_0000L), ErrorCode.TRUNCATED,
                        "declares 2147483648 SIWs"),
                new Case("header claims one SIW fewer than present", b -> put32(b, 12, siws - 1), ErrorCode.SIZE_MISMATCH,
                        "declares " + (siws - 1) + " SIWs"),
                new Case("declaration length larger than the file", b -> put32(b, 16, len), ErrorCode.TRUNCATED,
                        "a " + len + "-byte declaration section"),
                new Case("declaration length 2^32-1", b -> put32(b, 16, 0xFFFF_FFFFL), ErrorCode.TRUNCATED,
                        "a 4294967295-byte declaration section"),
                new Case("trailing byte after the code", b -> Arrays.copyOf(b, len + 1), ErrorCode.SIZE_MISMATCH,
                        "the file has " + (len + 1)),
                new Case("trailing SIW-sized block after the code", b -> Arrays.copyOf(b, len + Siw.BYTES),
                        ErrorCode.SIZE_MISMATCH, "the file has " + (len + Siw.BYTES)),
                new Case("reserved header byte 29 nonzero", b -> set(b, 29, 1), ErrorCode.RESERVED_NONZERO,
                        "header byte 29: [VTPU-1013] must be zero"),
                new Case("undefined header flag bit 1", b -> set(b, 24, 2), ErrorCode.RESERVED_NONZERO,
                        "header bytes 24..27: [VTPU-1013] flags are 00000002; only bit 0 (WRITES_FIRST) is defined"),
                new Case("undefined header flag bit 31", b -> set(b, 27, 0x80), ErrorCode.RESERVED_NONZERO,
                        "flags are 80000000"),
                new Case("padding before the code nonzero", b -> crc(set(b, CODE_START - 1, 0x20)),
                        ErrorCode.RESERVED_NONZERO, "padding before the code must be zero"),

                // ---- declaration section (CRC recomputed so that the reader gets that far)
                new Case("coordinate field 1000 in a tensor declaration",
                        b -> crc(setField(b, FIRST_TENSOR_COORD, 0, 1000)), ErrorCode.COORD_RANGE,
                        "declaration section, byte " + FIRST_TENSOR_COORD + ": [VTPU-1020] library is 1000, expected 1..999"),
                new Case("coordinate field 0 in a tensor declaration",
                        b -> crc(setField(b, FIRST_TENSOR_COORD, 4, 0)), ErrorCode.COORD_RANGE, "volume is 0"),
                new Case("tensor rank 0", b -> crc(set(b, FIRST_TENSOR_DIMS - 1, 0)),
                        ErrorCode.BAD_DECLARATION, "dtype, role, split or rank code out of range"),
                new Case("tensor dim 0", b -> crc(put32(b, FIRST_TENSOR_DIMS, 0)),
                        ErrorCode.BAD_DECLARATION, "dim 0 is 0"),
                new Case("declaration length one byte short", b -> crc(put32(b, 16, LittleEndian.u32(b, 16) - 1)),
                        ErrorCode.BAD_DECLARATION_SECTION, "declaration section ends inside the group count"),
                new Case("declaration length one byte long", b -> crc(put32(b, 16, LittleEndian.u32(b, 16) + 1)),
                        ErrorCode.BAD_DECLARATION_SECTION, "1 bytes left over after the declarations"),

                // ---- SIW header
                new Case("SIW header byte 5 nonzero", b -> crc(set(b, siw(2) + 5, 1)), ErrorCode.RESERVED_NONZERO,
                        "SIW 2, header: [VTPU-1013] bytes 3..7 must be zero"),
                new Case("SIW header flag bit 1", b -> crc(set(b, siw(2), 2)), ErrorCode.RESERVED_NONZERO,
                        "SIW 2, header: [VTPU-1013] header flags 0x2"),

                // ---- unknown opcodes, one per slot
                new Case("unknown D opcode 0x05", b -> crc(set(b, siw(SIW_D_NOP) + SiwCodec.D_OFF, 0x05)),
                        ErrorCode.UNKNOWN_OPCODE, "SIW " + SIW_D_NOP + ", D slot: [VTPU-1010] opcode 0x05 is not defined for the D slot"),
                new Case("unknown S opcode 0x04", b -> crc(set(b, siw(SIW_LOOP) + SiwCodec.S_OFF, 0x04)),
                        ErrorCode.UNKNOWN_OPCODE, "SIW " + SIW_LOOP + ", S slot: [VTPU-1010] opcode 0x04 is not defined for the S slot"),
                new Case("unknown S opcode 0xff", b -> crc(set(b, siw(SIW_LOOP) + SiwCodec.S_OFF, 0xFF)),
                        ErrorCode.UNKNOWN_OPCODE, "opcode 0xff is not defined for the S slot"),
                new Case("unknown C opcode 0x08", b -> crc(set(b, siw(SIW_CSET) + SiwCodec.C_OFF, 0x08)),
                        ErrorCode.UNKNOWN_OPCODE, "SIW " + SIW_CSET + ", C slot: [VTPU-1010] opcode 0x08 is not defined for the C slot"),

                // ---- register numbers
                new Case("tile register 16 in GATHER", b -> crc(set(b, siw(SIW_GATHER_QUIET) + SiwCodec.S_OFF + 3, 16)),
                        ErrorCode.REGISTER_RANGE, "SIW " + SIW_GATHER_QUIET + ", S slot: [VTPU-1011] GATHER: tile is 16, expected 0..15"),
                new Case("tile register 200 as MMA destination", b -> crc(set(b, siw(SIW_MMA) + SiwCodec.D_OFF + 2, 200)),
                        ErrorCode.REGISTER_RANGE, "SIW " + SIW_MMA + ", D slot: [VTPU-1011] MMA: d is 200, expected 0..15"),
                new Case("coordinate register 8 in CSET", b -> crc(set(b, siw(SIW_CSET) + SiwCodec.S_OFF + 3, 8)),
                        ErrorCode.REGISTER_RANGE, "CSET: coordinate register is 8, expected 0..7"),
                new Case("scalar register 16 in LOOP", b -> crc(set(b, siw(SIW_LOOP) + SiwCodec.C_OFF + 3, 16)),
                        ErrorCode.REGISTER_RANGE, "LOOP: register is 16, expected 0..15"),

                // ---- fields
                new Case("coordinate with a 0 field inside a CSET", b -> crc(setField(b, siw(SIW_CSET) + SiwCodec.S_OFF + 4, 6, 0)),
                        ErrorCode.COORD_RANGE, "SIW " + SIW_CSET + ", S slot: [VTPU-1020] chapter is 0, expected 1..999"),
                new Case("CSET line 0", b -> crc(put32(b, siw(SIW_CSET) + SiwCodec.S_OFF + 16, 0)),
                        ErrorCode.COORD_RANGE, "line is 0"),
                new Case("INDEX dimension 12", b -> crc(set(b, siw(SIW_INDEX) + SiwCodec.S_OFF + 5, 12)),
                        ErrorCode.FIELD_RANGE, "INDEX: dimension is 12, expected 1..11"),
                new Case("signal byte with tag bits but no signal bit",
                        b -> crc(set(b, siw(SIW_GATHER_QUIET) + SiwCodec.S_OFF + 2, 0x03)), ErrorCode.RESERVED_NONZERO,
                        "GATHER: signal byte 0x3 has a tag but no signal bit"),
                new Case("signal byte with bits 3..6 set",
                        b -> crc(set(b, siw(SIW_GATHER_SIGNALLING) + SiwCodec.S_OFF + 2, 0x80 | 0x08 | 1)),
                        ErrorCode.RESERVED_NONZERO, "signal byte bits 3..6 must be zero"),
                new Case("branch op (C slot) with a signal", b -> crc(set(b, siw(SIW_LOOP) + SiwCodec.C_OFF + 2, 0x81)),
                        ErrorCode.RESERVED_NONZERO, "SIW " + SIW_LOOP + ", C slot: [VTPU-1013] LOOP: signal is 129"),
                new Case("unused field nonzero: the c field of a D ADD", b -> crc(dAdd(b, SIW_D_NOP, 6)),
                        ErrorCode.RESERVED_NONZERO, "SIW " + SIW_D_NOP + ", D slot: [VTPU-1013] ADD: c is 6, expected 0 (unused by this op)"),
                new Case("D byte 7 nonzero", b -> crc(set(b, siw(SIW_MMA) + SiwCodec.D_OFF + 7, 1)),
                        ErrorCode.RESERVED_NONZERO, "D byte 7 must be zero"),
                new Case("S NOP with an operand byte", b -> crc(set(b, siw(SIW_LOOP) + SiwCodec.S_OFF + 9, 1)),
                        ErrorCode.RESERVED_NONZERO, "NOP operand bytes must be zero"),
                new Case("GATHER rows 0", b -> crc(put16(b, siw(SIW_GATHER_QUIET) + SiwCodec.S_OFF + 8, 0)),
                        ErrorCode.FIELD_RANGE, "GATHER: rows is 0, expected 1..256"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void eachCorruptionFailsWithItsOwnCodeAndMessage(Case c) {
        byte[] bytes = c.corrupt().apply(VALID.clone());
        // assertThrows fails on any other exception type, which is half of what this test is about.
        IsaException e = assertThrows(IsaException.class, () -> ProgramFile.read(bytes));
        assertEquals(c.code(), e.code(), e::getMessage);
        assertTrue(e.getMessage().contains(c.message()),
                () -> "message '" + e.getMessage() + "' lacks '" + c.message() + "'");
        assertTrue(e.getMessage().contains("[" + c.code().tag() + "]"), e::getMessage);
    }

    @Test
    void theFixtureIsValidAndTheTargetsAreWhereTheCasesExpectThem() {
        // Guards the corpus: every case starts from a file that decodes and finds what it patches.
        assertEquals(GEMM, ProgramFile.read(VALID));
        assertEquals(GEMM.tensors().get(0).coord(), PhextCoord.readPacked(VALID, FIRST_TENSOR_COORD));
        assertEquals(Opcode.MMA.code(), VALID[siw(SIW_MMA) + SiwCodec.D_OFF]);
        assertEquals(Opcode.CSET.code(), VALID[siw(SIW_CSET) + SiwCodec.S_OFF]);
        assertEquals(Opcode.LOOP.code(), VALID[siw(SIW_LOOP) + SiwCodec.C_OFF]);
        assertEquals(0, VALID[siw(SIW_GATHER_QUIET) + SiwCodec.S_OFF + 2]);
        assertEquals((byte) 0x81, VALID[siw(SIW_GATHER_SIGNALLING) + SiwCodec.S_OFF + 2]);
    }

    @Test
    void aValidAddPatchedInDecodes() {
        // The control for the "c field of a D ADD" case: with c = 0 the patched SIW is well-formed.
        byte[] bytes = crc(dAdd(VALID.clone(), SIW_D_NOP, 0));
        DOp d = ProgramFile.read(bytes).code().get(SIW_D_NOP).d();
        assertEquals(DOp.binary(Opcode.ADD, 3, 4, 5), d);
    }

    @Test
    void aHeaderClaiming2To31SiwsFailsAtOnceWithoutAllocating() {
        for (long count : new long[] {0x8000_0000L, 0xFFFF_FFFFL, 0x7FFF_FFFFL}) {
            byte[] bytes = put32(VALID.clone(), 12, count);
            // The timeout is only a guard against per-SIW allocation; the code is the assertion.
            IsaException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                    () -> assertThrows(IsaException.class, () -> ProgramFile.read(bytes)));
            assertEquals(ErrorCode.TRUNCATED, e.code(), e::getMessage);
            assertTrue(e.getMessage().contains("declares " + count + " SIWs"), e::getMessage);
        }
    }

    @Test
    void anyMinorVersionOfMajorOneIsAccepted() {
        // §5.1: "a reader accepts any minor of its major"; the header is outside the CRC.
        byte[] bytes = put16(VALID.clone(), 10, 7);
        assertEquals(GEMM, ProgramFile.read(bytes));
    }

    // ------------------------------------------------------------------ fuzzing

    @Test
    void randomSingleByteMutationsDecodeCanonicallyOrFailWithIsaException() {
        Random rnd = new Random(SEED);
        int decoded = 0;
        Map<ErrorCode, Integer> failures = new EnumMap<>(ErrorCode.class);
        for (int i = 0; i < 2000; i++) {
            int pos = rnd.nextInt(VALID.length);
            int xor = 1 + rnd.nextInt(255);
            byte[] bytes = VALID.clone();
            bytes[pos] ^= (byte) xor;
            String what = "mutation " + i + ": byte " + pos + " ^= 0x" + Integer.toHexString(xor);
            if (pos >= ProgramFile.HEADER_BYTES) {
                // CRC-32C catches every single-byte change; recompute it so the decoder proper is fuzzed too.
                IsaException e = assertThrows(IsaException.class, () -> ProgramFile.read(bytes), what);
                assertEquals(ErrorCode.CRC_MISMATCH, e.code(), what);
                crc(bytes);
            }
            IsaException failure = decodeCanonicallyOrFail(bytes, what);
            if (failure == null) {
                decoded++;
            } else {
                failures.merge(failure.code(), 1, Integer::sum);
            }
        }
        // Both outcomes must occur, or the loop above checked little.
        int failed = 2000 - decoded;
        assertTrue(decoded >= 50 && failed >= 500, "decoded " + decoded + ", failed " + failures);
    }

    @Test
    void randomTruncationsFailWithTruncated() {
        Random rnd = new Random(SEED + 1);
        for (int i = 0; i < 500; i++) {
            int length = rnd.nextInt(VALID.length);
            byte[] bytes = Arrays.copyOf(VALID, length);
            IsaException e = assertThrows(IsaException.class, () -> ProgramFile.read(bytes), "length " + length);
            assertEquals(ErrorCode.TRUNCATED, e.code(), () -> "length " + length + ": " + e.getMessage());
        }
    }

    /**
     * Decodes {@code bytes}; a success must re-encode to the same bytes (the encoding is canonical), a
     * failure must be an IsaException.
     *
     * @return the failure, or null when the bytes decoded
     */
    private static IsaException decodeCanonicallyOrFail(byte[] bytes, String what) {
        Program p;
        try {
            p = ProgramFile.read(bytes);
        } catch (IsaException e) {
            return e;
        } catch (Throwable t) {
            return fail(what + ": expected an IsaException, got " + t, t);
        }
        // The minor version is not part of a Program (readers accept any minor), and the writer writes 0.
        byte[] expected = put16(bytes.clone(), 10, ProgramFile.MINOR);
        assertArrayEquals(expected, ProgramFile.write(p), what + ": decoded, but re-encodes to other bytes");
        return null;
    }

    // ------------------------------------------------------------------ regression: int overflow in TensorDecl

    /**
     * A rank-3 tensor whose scroll count is near 2^31 passes TensorDecl's "run past scroll 999" check by
     * int overflow ({@code coord.scroll() + dim - 1} wraps negative), so the file decodes; the Validator
     * then died in TensorDecl.pages() with OutOfMemoryError. The check is now done in long arithmetic.
     */
    @Test
    void aTensorWhosePagesRunPastScroll999ByIntOverflowIsRejected() {
        TensorDecl t = new TensorDecl("X", ai.vtpu.isa.siw.DType.F32, List.of(2, 4, 4),
                PhextCoord.parse("1.1.1/1.1.1/1.1.2"), Role.INPUT, Split.NONE);
        byte[] bytes = ProgramFile.write(new Program(List.of(t), List.of(), List.of(Siw.of(CBranch.halt()))));
        // Offset 40: tensor count (2), name length (1), name "X" (1), dtype, role, split, rank (4).
        assertEquals(2, LittleEndian.i32(bytes, 40));
        crc(put32(bytes, 40, Integer.MAX_VALUE));
        IsaException e = assertThrows(IsaException.class, () -> ProgramFile.read(bytes));
        assertEquals(ErrorCode.BAD_DECLARATION, e.code(), e::getMessage);
        assertTrue(e.getMessage().contains("run past scroll 999"), e::getMessage);
    }

    @Test
    void splitByPagesNeedsRankThreeOrFourAndRoundTrips() {
        IsaException e = assertThrows(IsaException.class, () -> new TensorDecl("X", ai.vtpu.isa.siw.DType.F32, List.of(4, 4),
                PhextCoord.parse("1.1.1/1.1.1/1.1.2"), Role.INPUT, Split.PAGES));
        assertEquals(ErrorCode.BAD_DECLARATION, e.code());
        assertTrue(e.getMessage().contains("split=pages divides the first dim of a tensor of rank 3 or 4"), e::getMessage);
        TensorDecl t = new TensorDecl("X", ai.vtpu.isa.siw.DType.F32, List.of(3, 2, 4, 4),
                PhextCoord.parse("1.1.1/1.1.1/1.1.2"), Role.INPUT, Split.PAGES);
        assertEquals(2, t.pagesPerLead());
        Program p = ProgramFile.read(ProgramFile.write(new Program(List.of(t), List.of(), List.of(Siw.of(CBranch.halt())))));
        assertEquals(Split.PAGES, p.tensors().get(0).split());
    }

    @Test
    void theWritesFirstFlagRoundTripsThroughTheFileTheAssemblerAndTheDisassembler() {
        assertEquals(false, GEMM.writesFirst());
        assertEquals(0, VALID[24], "a program without the promise leaves the flags zero");
        byte[] flagged = ProgramFile.write(GEMM.withWritesFirst(true));
        assertEquals(ProgramFile.WRITES_FIRST, LittleEndian.u32(flagged, 24));
        Program back = ProgramFile.read(flagged);
        assertTrue(back.writesFirst());
        String text = ai.vtpu.isa.asm.Disassembler.disassemble(back);
        assertTrue(text.contains("\n.writes_first\n"), text);
        assertArrayEquals(flagged, ProgramFile.write(Assembler.assemble(text, "back.siwa").program()));
        IsaException e = assertThrows(IsaException.class, () -> Assembler.assemble(".writes_first now\nC: HALT\n", "w.siwa"));
        assertTrue(e.getMessage().contains("w.siwa:1:15") && e.getMessage().contains("nothing after .writes_first"), e::getMessage);
    }

    // ------------------------------------------------------------------ helpers

    private static Program assembleGemm() {
        // Surefire runs in the module directory; the examples live one level up.
        Path source = Path.of("../examples/gemm.siwa");
        try {
            return Assembler.assemble(Files.readString(source), source.toString()).program();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int indexOf(Predicate<Siw> what) {
        List<Siw> code = GEMM.code();
        for (int i = 0; i < code.size(); i++) {
            if (what.test(code.get(i))) {
                return i;
            }
        }
        throw new IllegalStateException("examples/gemm.siwa no longer has the SIW a case needs");
    }

    private static int firstTensorCoordOffset() {
        TensorDecl t = GEMM.tensors().get(0);
        // tensor count u16, name length u8, name, dtype, role, split, rank, rank x u32 dims.
        return ProgramFile.HEADER_BYTES + 2 + 1 + t.name().length() + 4 + 4 * t.rank();
    }

    private static int align64(int n) {
        return (n + 63) & ~63;
    }

    /** Offset of SIW {@code index} in the file. */
    private static int siw(int index) {
        return CODE_START + index * Siw.BYTES;
    }

    private static byte[] set(byte[] b, int off, int value) {
        b[off] = (byte) value;
        return b;
    }

    private static byte[] put16(byte[] b, int off, int value) {
        LittleEndian.put16(b, off, value);
        return b;
    }

    private static byte[] put32(byte[] b, int off, long value) {
        LittleEndian.put32(b, off, value);
        return b;
    }

    /** Stores the CRC-32C of bytes 32..end at offset 20, so that a patch reaches the decoder. */
    private static byte[] crc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b, ProgramFile.HEADER_BYTES, b.length - ProgramFile.HEADER_BYTES);
        LittleEndian.put32(b, 20, crc.getValue());
        return b;
    }

    /**
     * Sets the 10-bit field of dimension {@code textIndex} (0 library .. 8 scroll) of the packed
     * coordinate at {@code off}; the field sits at bit 10 * (8 - textIndex).
     */
    private static byte[] setField(byte[] b, int off, int textIndex, int value) {
        int shift = 10 * (8 - textIndex);
        for (int k = 0; k < 10; k++) {
            int bit = shift + k;
            int mask = 1 << (bit % 8);
            if ((value >> k & 1) != 0) {
                b[off + bit / 8] |= (byte) mask;
            } else {
                b[off + bit / 8] &= (byte) ~mask;
            }
        }
        return b;
    }

    /** Replaces the D slot of SIW {@code index} (a NOP) with {@code ADD T3, T4, T5} and the given c field. */
    private static byte[] dAdd(byte[] b, int index, int cField) {
        int o = siw(index) + SiwCodec.D_OFF;
        b[o] = (byte) Opcode.ADD.code();
        b[o + 2] = 3;
        b[o + 3] = 4;
        b[o + 4] = 5;
        b[o + 5] = (byte) cField;
        return b;
    }
}

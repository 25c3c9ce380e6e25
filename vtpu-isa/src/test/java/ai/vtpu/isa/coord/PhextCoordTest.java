package ai.vtpu.isa.coord;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Phext coordinates and addresses (docs/ISA.md §2): strict parsing, order, and the 90-bit packed form. */
class PhextCoordTest {

    /** Dimension names in text order, as error messages spell them. */
    private static final String[] NAMES = {
        "library", "shelf", "series", "collection", "volume", "book", "chapter", "section", "scroll"};

    private static final long SEED = 0x5EED_C00DL;

    // ------------------------------------------------------------------ parsing

    @Test
    void parsesTheSlashFormIntoTheNineDimensionsInTextOrder() {
        PhextCoord c = PhextCoord.parse("1.2.3/4.5.6/7.8.999");
        assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 999}, c.toArray());
        assertEquals(1, c.library());
        assertEquals(3, c.series());
        assertEquals(4, c.collection());
        assertEquals(7, c.chapter());
        assertEquals(999, c.scroll());
        assertEquals(999, c.get(Dimension.SCROLL));
        assertEquals(1, c.get(Dimension.LIBRARY));
    }

    @Test
    void originParsesToTheOriginConstant() {
        assertEquals(PhextCoord.ORIGIN, PhextCoord.parse("1.1.1/1.1.1/1.1.1"));
        assertEquals(PhextCoord.ORIGIN, PhextCoord.parse("1.1.1;1.1.1;1.1.1"));
    }

    @Test
    void urlFormWithSemicolonsEqualsTheSlashForm() {
        PhextCoord url = PhextCoord.parse("10.20.30;40.50.60;70.80.90");
        assertEquals(PhextCoord.parse("10.20.30/40.50.60/70.80.90"), url);
        assertEquals("10.20.30;40.50.60;70.80.90", url.toUrlForm());
        assertEquals("10.20.30/40.50.60/70.80.90", url.toString());
    }

    /** Every dimension, at 0 and at 1000: the error is a range error that names that dimension. */
    static Stream<Arguments> outOfRangeValues() {
        return IntStream.range(0, 9).boxed().flatMap(dim -> Stream.of(0, 1000).map(v -> Arguments.of(dim, v)));
    }

    @ParameterizedTest(name = "{1} in dimension {0}")
    @MethodSource("outOfRangeValues")
    void aValueOutsideOneTo999IsARangeErrorNamingTheDimension(int dim, int value) {
        int[] v = {3, 3, 3, 3, 3, 3, 3, 3, 3};
        v[dim] = value;
        String text = v[0] + "." + v[1] + "." + v[2] + "/" + v[3] + "." + v[4] + "." + v[5] + "/" + v[6] + "." + v[7] + "."
                + v[8];
        IsaException e = assertThrows(IsaException.class, () -> PhextCoord.parse(text));
        assertEquals(ErrorCode.COORD_RANGE, e.code());
        assertTrue(e.detail().contains(NAMES[dim] + " is " + value + ", expected 1..999"), e.detail());
        // The same value through the URL form and through the constructor gives the same verdict.
        IsaException url = assertThrows(IsaException.class, () -> PhextCoord.parse(text.replace('/', ';')));
        assertEquals(ErrorCode.COORD_RANGE, url.code());
        IsaException built = assertThrows(IsaException.class, () -> PhextCoord.of(v));
        assertEquals(ErrorCode.COORD_RANGE, built.code());
        assertTrue(built.detail().contains(NAMES[dim] + " is " + value), built.detail());
    }

    @Test
    void aHugeNumberIsARangeErrorNotAnOverflow() {
        IsaException e = assertThrows(IsaException.class,
                () -> PhextCoord.parse("1.1.1/1.1.1/1.1.99999999999999999999999"));
        assertEquals(ErrorCode.COORD_RANGE, e.code());
        assertTrue(e.detail().contains("scroll is 99999999999999999999999"), e.detail());
    }

    /** Malformed text: the code and a part of the detail that says where and what was expected. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("empty", "", ErrorCode.COORD_SYNTAX, "empty coordinate"),
                Arguments.of("two groups only", "1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "9 needed, got 6"),
                Arguments.of("scroll missing", "1.1.1/1.1.1/1.1", ErrorCode.COORD_SYNTAX, "9 needed, got 8"),
                Arguments.of("scroll empty", "1.1.1/1.1.1/1.1.", ErrorCode.COORD_SYNTAX, "a number for scroll"),
                Arguments.of("series missing", "1.1/1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "'.' after shelf"),
                Arguments.of("extra group", "1.1.1/1.1.1/1.1.1/1", ErrorCode.COORD_SYNTAX,
                        "end of coordinate after the scroll"),
                Arguments.of("extra dimension", "1.1.1/1.1.1/1.1.1.1", ErrorCode.COORD_SYNTAX,
                        "end of coordinate after the scroll"),
                Arguments.of("no group separators", "1.1.1.1.1.1.1.1.1", ErrorCode.COORD_SYNTAX,
                        "'/' or ';' after series"),
                Arguments.of("letter", "1.1.a/1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for series"),
                Arguments.of("letter after digits", "1.1.1/1.2x.1/1.1.1", ErrorCode.COORD_SYNTAX, "'.' after volume"),
                Arguments.of("leading space", " 1.1.1/1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for library"),
                Arguments.of("inner space", "1.1.1/ 1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for collection"),
                Arguments.of("trailing space", "1.1.1/1.1.1/1.1.1 ", ErrorCode.COORD_SYNTAX,
                        "end of coordinate after the scroll"),
                Arguments.of("slash then semicolon", "1.1.1/1.1.1;1.1.1", ErrorCode.COORD_SYNTAX,
                        "do not mix '/' and ';'"),
                Arguments.of("semicolon then slash", "1.1.1;1.1.1/1.1.1", ErrorCode.COORD_SYNTAX,
                        "do not mix '/' and ';'"),
                Arguments.of("leading plus", "+1.1.1/1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for library"),
                Arguments.of("leading minus", "-1.1.1/1.1.1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for library"),
                Arguments.of("inner plus", "1.1.1/1.1.+1/1.1.1", ErrorCode.COORD_SYNTAX, "a number for book"),
                Arguments.of("inner minus", "1.1.1/1.1.1/-1.1.1", ErrorCode.COORD_SYNTAX, "a number for chapter"),
                Arguments.of("position of the error", "1.1.1/1.1.1/1.1", ErrorCode.COORD_SYNTAX, "at character 16"));
    }

    @ParameterizedTest(name = "{0}: \"{1}\"")
    @MethodSource("malformed")
    void malformedTextIsRejectedWithADetailSayingWhatWasExpected(String name, String text, ErrorCode code, String detail) {
        IsaException e = assertThrows(IsaException.class, () -> PhextCoord.parse(text));
        assertEquals(code, e.code(), e.getMessage());
        assertTrue(e.detail().contains(detail), () -> "detail '" + e.detail() + "' lacks '" + detail + "'");
        assertTrue(e.getMessage().contains("[" + code.tag() + "]"), e.getMessage());
    }

    @Test
    void nullIsASyntaxErrorNotANullPointerException() {
        IsaException e = assertThrows(IsaException.class, () -> PhextCoord.parse(null));
        assertEquals(ErrorCode.COORD_SYNTAX, e.code());
    }

    @Test
    void toStringAndUrlFormRoundTripForRandomCoordinates() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 2000; i++) {
            PhextCoord c = random(rnd);
            String text = c.toString();
            assertTrue(text.matches("\\d+\\.\\d+\\.\\d+/\\d+\\.\\d+\\.\\d+/\\d+\\.\\d+\\.\\d+"), text);
            assertEquals(c, PhextCoord.parse(text), text);
            assertEquals(c, PhextCoord.parse(c.toUrlForm()), c.toUrlForm());
            assertEquals(text.replace('/', ';'), c.toUrlForm());
        }
    }

    // ------------------------------------------------------------------ order

    @Test
    void orderIsLexicographicFromLibraryToScroll() {
        Random rnd = new Random(SEED);
        int less = 0;
        int greater = 0;
        int equal = 0;
        for (int i = 0; i < 5000; i++) {
            PhextCoord a = random(rnd);
            PhextCoord b = relatedTo(a, rnd);
            int expected = Integer.signum(Arrays.compare(a.toArray(), b.toArray()));
            assertEquals(expected, Integer.signum(a.compareTo(b)), () -> a + " vs " + b);
            assertEquals(-expected, Integer.signum(b.compareTo(a)), () -> b + " vs " + a);
            assertEquals(expected == 0, a.equals(b), () -> a + " vs " + b);
            if (expected < 0) {
                less++;
            } else if (expected > 0) {
                greater++;
            } else {
                equal++;
            }
        }
        // The generator must exercise all three outcomes, or the loop above proves little.
        assertTrue(less > 1000 && greater > 1000 && equal > 50, less + "/" + greater + "/" + equal);
    }

    @Test
    void aHigherDimensionOutranksEveryLowerOne() {
        // 2.1.1/... is after 1.999.999/999.999.999/999.999.999: library decides before anything else.
        PhextCoord small = PhextCoord.parse("1.999.999/999.999.999/999.999.999");
        PhextCoord big = PhextCoord.parse("2.1.1/1.1.1/1.1.1");
        assertTrue(small.compareTo(big) < 0);
        assertTrue(PhextCoord.parse("1.1.1/1.1.1/1.1.2").compareTo(PhextCoord.parse("1.1.1/1.1.1/1.2.1")) < 0);
    }

    // ------------------------------------------------------------------ packed form

    @Test
    void packedBytesOfTheSpecExampleMatchDocsSection8() {
        // docs/ISA.md §8: fields 1,1,1,1,1,1,1,1,2 at bits 80,70,..,10 and 0 set bits 1,10,20,..,80.
        byte[] b = new byte[12];
        PhextCoord.parse("1.1.1/1.1.1/1.1.2").writePacked(b, 0);
        assertEquals("020410400001041040000100", HexFormat.of().formatHex(b));
    }

    @Test
    void packedFormEqualsTheSumOfTenBitFieldsForRandomCoordinates() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 2000; i++) {
            PhextCoord c = random(rnd);
            BigInteger expected = reference(c.toArray());
            BigInteger actual = BigInteger.valueOf(c.packedHigh()).shiftLeft(64)
                    .or(new BigInteger(Long.toUnsignedString(c.packedLow())));
            assertEquals(expected, actual, c::toString);
            assertEquals(0, c.packedHigh() >>> 26, "bits above 89 are zero");
            byte[] b = new byte[12];
            c.writePacked(b, 0);
            assertArrayEquals(referenceBytes(c.toArray()), b, c::toString);
        }
    }

    @Test
    void writePackedAndReadPackedRoundTripAtAnOffsetWithoutTouchingNeighbours() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 2000; i++) {
            PhextCoord c = random(rnd);
            byte[] b = new byte[12 + 10];
            Arrays.fill(b, (byte) 0x5A);
            c.writePacked(b, 5);
            assertEquals(c, PhextCoord.readPacked(b, 5), c::toString);
            for (int j : new int[] {0, 1, 2, 3, 4, 17, 18, 19, 20, 21}) {
                assertEquals((byte) 0x5A, b[j], "byte " + j + " outside the 12 packed bytes");
            }
        }
    }

    @Test
    void unsignedOrderOfPackedValuesEqualsCompareTo() {
        Random rnd = new Random(SEED);
        for (int i = 0; i < 5000; i++) {
            PhextCoord a = random(rnd);
            PhextCoord b = relatedTo(a, rnd);
            int hi = Long.compareUnsigned(a.packedHigh(), b.packedHigh());
            int packed = hi != 0 ? hi : Long.compareUnsigned(a.packedLow(), b.packedLow());
            int lexicographic = Arrays.compare(a.toArray(), b.toArray());
            assertEquals(Integer.signum(lexicographic), Integer.signum(packed), () -> a + " vs " + b);
            assertEquals(Integer.signum(a.compareTo(b)), Integer.signum(packed), () -> a + " vs " + b);
        }
    }

    /**
     * Values that differ only in bits 8 and 9 of a field (1 vs 513, 256 vs 768, 487 vs 999) catch a
     * packer that drops the top of a field; the series field, which straddles the 64-bit boundary, is
     * the likely place for that.
     */
    static Stream<Arguments> highBitPairs() {
        int[][] pairs = {{1, 513}, {256, 768}, {487, 999}, {1, 257}, {255, 256}};
        return IntStream.range(0, 9).boxed()
                .flatMap(dim -> Arrays.stream(pairs).map(p -> Arguments.of(NAMES[dim], dim, p[0], p[1])));
    }

    @ParameterizedTest(name = "{0}: {2} vs {3}")
    @MethodSource("highBitPairs")
    void valuesDifferingOnlyInHighBitsPackDifferentlyInEveryDimension(String name, int dim, int low, int high) {
        int[] v = {7, 7, 7, 7, 7, 7, 7, 7, 7};
        v[dim] = low;
        PhextCoord a = PhextCoord.of(v);
        v[dim] = high;
        PhextCoord b = PhextCoord.of(v);
        assertFalse(a.packedHigh() == b.packedHigh() && a.packedLow() == b.packedLow(), a + " and " + b + " pack alike");
        byte[] pa = new byte[12];
        byte[] pb = new byte[12];
        a.writePacked(pa, 0);
        b.writePacked(pb, 0);
        assertFalse(Arrays.equals(pa, pb));
        assertEquals(a, PhextCoord.readPacked(pa, 0));
        assertEquals(b, PhextCoord.readPacked(pb, 0));
        assertTrue(a.compareTo(b) < 0, a + " < " + b);
        assertNotEquals(a, b);
    }

    /** A field of 0 or 1000..1023 in any of the nine positions is malformed. */
    static Stream<Arguments> badFields() {
        return IntStream.range(0, 9).boxed()
                .flatMap(dim -> IntStream.of(0, 1000, 1001, 1023).mapToObj(v -> Arguments.of(NAMES[dim], dim, v)));
    }

    @ParameterizedTest(name = "{0} = {2}")
    @MethodSource("badFields")
    void readPackedRejectsAFieldOfZeroOrAbove999(String name, int dim, int value) {
        int[] fields = {5, 6, 7, 8, 9, 10, 11, 12, 13};
        fields[dim] = value;
        byte[] b = referenceBytes(fields);
        IsaException e = assertThrows(IsaException.class, () -> PhextCoord.readPacked(b, 0));
        assertEquals(ErrorCode.COORD_RANGE, e.code());
        assertTrue(e.detail().contains(name + " is " + value), e.detail());
    }

    @ParameterizedTest(name = "bit {0}")
    @ValueSource(ints = {90, 91, 92, 93, 94, 95})
    void readPackedRejectsBitsAbove89(int bit) {
        byte[] b = new byte[12];
        PhextCoord.ORIGIN.writePacked(b, 0);
        b[bit / 8] |= (byte) (1 << (bit % 8));
        IsaException e = assertThrows(IsaException.class, () -> PhextCoord.readPacked(b, 0));
        assertEquals(ErrorCode.COORD_RANGE, e.code());
        assertTrue(e.detail().contains("above bit 89"), e.detail());
    }

    @Test
    void readPackedAcceptsBit89WhenTheLibraryFieldIsInRange() {
        // Bit 89 is the top bit of the library field: 512 sets it and is a valid value.
        int[] fields = {512, 1, 1, 1, 1, 1, 1, 1, 1};
        byte[] b = referenceBytes(fields);
        assertEquals(0x02, b[11] & 0xFF, "bit 89 is bit 1 of byte 11");
        assertEquals(PhextCoord.of(fields), PhextCoord.readPacked(b, 0));
    }

    // ------------------------------------------------------------------ addresses

    @Nested
    class Addresses {
        @Test
        void parsesCoordinateLineAndColumn() {
            PhextAddress a = PhextAddress.parse("1.1.1/1.1.1/1.1.2@12:7");
            assertEquals(PhextCoord.parse("1.1.1/1.1.1/1.1.2"), a.coord());
            assertEquals(12, a.line());
            assertEquals(7, a.column());
            assertEquals(12, a.get(Dimension.LINE));
            assertEquals(7, a.get(Dimension.COLUMN));
            assertEquals(2, a.get(Dimension.SCROLL));
            assertEquals("1.1.1/1.1.1/1.1.2@12:7", a.toString());
            assertEquals(a, PhextAddress.parse(a.toString()));
        }

        @Test
        void aBareCoordinateIsLineOneColumnOne() {
            assertEquals(new PhextAddress(PhextCoord.ORIGIN, 1, 1), PhextAddress.parse("1.1.1;1.1.1;1.1.1"));
        }

        @Test
        void lineAndColumnReachTheU32Maximum() {
            PhextAddress a = PhextAddress.parse("1.1.1/1.1.1/1.1.1@4294967295:4294967295");
            assertEquals(PhextAddress.MAX_TEXT_DIM, a.line());
            assertEquals(PhextAddress.MAX_TEXT_DIM, a.column());
        }

        static Stream<Arguments> badAddresses() {
            return Stream.of(
                    Arguments.of("1.1.1/1.1.1/1.1.2@0:1", ErrorCode.COORD_RANGE, "line is 0"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1:0", ErrorCode.COORD_RANGE, "column is 0"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1:4294967296", ErrorCode.COORD_RANGE, "column is 4294967296"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1", ErrorCode.COORD_SYNTAX, "expected line:column after '@'"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@x:1", ErrorCode.COORD_SYNTAX, "line 'x' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1:y", ErrorCode.COORD_SYNTAX, "column 'y' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@:1", ErrorCode.COORD_SYNTAX, "line '' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1:-1", ErrorCode.COORD_SYNTAX, "column '-1' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@+1:1", ErrorCode.COORD_SYNTAX, "line '+1' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@1:1@2", ErrorCode.COORD_SYNTAX, "column '1@2' is not a number"),
                    Arguments.of("1.1.1/1.1.1/1.1.2@99999999999:1", ErrorCode.COORD_SYNTAX, "is not a number 1..4294967295"),
                    Arguments.of("1.1.1/1.1.1/1.1.0@1:1", ErrorCode.COORD_RANGE, "scroll is 0"),
                    Arguments.of("@1:1", ErrorCode.COORD_SYNTAX, "empty coordinate"));
        }

        @ParameterizedTest(name = "\"{0}\"")
        @MethodSource("badAddresses")
        void malformedAddressesAreRejected(String text, ErrorCode code, String detail) {
            IsaException e = assertThrows(IsaException.class, () -> PhextAddress.parse(text));
            assertEquals(code, e.code(), e.getMessage());
            assertTrue(e.detail().contains(detail), () -> "detail '" + e.detail() + "' lacks '" + detail + "'");
        }

        @Test
        void plusChangesOnlyTheDimensionNamed() {
            PhextAddress base = PhextAddress.parse("5.5.5/5.5.5/5.5.5@5:5");
            for (Dimension d : Dimension.values()) {
                PhextAddress moved = base.plus(d, 3);
                for (Dimension other : Dimension.values()) {
                    assertEquals(other == d ? 8 : 5, moved.get(other), d + " moved " + other);
                }
                assertEquals(base, moved.plus(d, -3));
            }
        }

        @Test
        void plusReachesTheEdgesOfEachRange() {
            PhextAddress base = PhextAddress.parse("5.5.5/5.5.5/5.5.5@5:5");
            for (Dimension d : Dimension.values()) {
                long max = d.addressesScroll() ? PhextCoord.MAX : PhextAddress.MAX_TEXT_DIM;
                assertEquals(max, base.plus(d, max - 5).get(d), d::label);
                assertEquals(1, base.plus(d, -4).get(d), d::label);
            }
        }

        @Test
        void plusPastTheTopOfAScrollDimensionIsARangeFault() {
            PhextAddress base = PhextAddress.parse("5.5.5/5.5.5/5.5.5@5:5");
            for (Dimension d : Dimension.values()) {
                if (!d.addressesScroll()) {
                    continue;
                }
                IsaException up = assertThrows(IsaException.class, () -> base.plus(d, 995));
                assertEquals(ErrorCode.COORD_RANGE, up.code());
                assertTrue(up.detail().contains(d.label() + " would be 1000"), up.detail());
                IsaException down = assertThrows(IsaException.class, () -> base.plus(d, -5));
                assertEquals(ErrorCode.COORD_RANGE, down.code());
                assertTrue(down.detail().contains(d.label() + " would be 0"), down.detail());
            }
        }

        @Test
        void plusOutsideTheLineOrColumnRangeIsARangeFault() {
            PhextAddress base = PhextAddress.parse("5.5.5/5.5.5/5.5.5@5:5");
            IsaException line = assertThrows(IsaException.class, () -> base.plus(Dimension.LINE, -5));
            assertEquals(ErrorCode.COORD_RANGE, line.code());
            assertTrue(line.detail().contains("line is 0"), line.detail());
            IsaException column = assertThrows(IsaException.class,
                    () -> base.plus(Dimension.COLUMN, PhextAddress.MAX_TEXT_DIM - 4));
            assertEquals(ErrorCode.COORD_RANGE, column.code());
            assertTrue(column.detail().contains("column is 4294967296"), column.detail());
        }

        @Test
        void plusWithAnExtremeDeltaIsARangeFaultForEveryDimension() {
            // An INDEX immediate is an arbitrary i64; no delta may wrap around into the valid range.
            PhextAddress base = PhextAddress.parse("5.5.5/5.5.5/5.5.5@5:5");
            for (Dimension d : Dimension.values()) {
                for (long delta : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 3, 1L << 32}) {
                    IsaException e = assertThrows(IsaException.class, () -> base.plus(d, delta), d + " + " + delta);
                    assertEquals(ErrorCode.COORD_RANGE, e.code());
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    private static PhextCoord random(Random rnd) {
        int[] v = new int[9];
        for (int i = 0; i < 9; i++) {
            v[i] = randomValue(rnd);
        }
        return PhextCoord.of(v);
    }

    /** Mostly edge values and values that differ in the high bits of a field, sometimes any value. */
    private static int randomValue(Random rnd) {
        int[] edges = {1, 2, 255, 256, 257, 511, 512, 513, 767, 768, 998, 999};
        return rnd.nextInt(3) == 0 ? edges[rnd.nextInt(edges.length)] : 1 + rnd.nextInt(999);
    }

    /** A coordinate sharing a random-length prefix with {@code a}, so that every dimension gets to decide. */
    private static PhextCoord relatedTo(PhextCoord a, Random rnd) {
        int[] v = a.toArray();
        int from = rnd.nextInt(10);
        for (int i = from; i < 9; i++) {
            v[i] = rnd.nextInt(4) == 0 ? v[i] : randomValue(rnd);
        }
        return PhextCoord.of(v);
    }

    /** The packed value by the formula of §2, independently of PhextCoord; fields may be out of range. */
    private static BigInteger reference(int[] fields) {
        BigInteger p = BigInteger.ZERO;
        for (int i = 0; i < 9; i++) {
            p = p.or(BigInteger.valueOf(fields[i]).shiftLeft(10 * (8 - i)));
        }
        return p;
    }

    /** The 12 little-endian bytes of {@link #reference}. */
    private static byte[] referenceBytes(int[] fields) {
        BigInteger p = reference(fields);
        byte[] b = new byte[12];
        for (int i = 0; i < 12; i++) {
            b[i] = p.shiftRight(8 * i).byteValue();
        }
        return b;
    }
}

package ai.vtpu.runtime.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.coord.Dimension;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.memory.PhextPageTable.PageSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PhextPageTableTest {
    private static final Dimension[] SCROLL_DIMS = {Dimension.LIBRARY, Dimension.SHELF, Dimension.SERIES, Dimension.COLLECTION,
        Dimension.VOLUME, Dimension.BOOK, Dimension.CHAPTER, Dimension.SECTION, Dimension.SCROLL};

    @Test
    void distinctCoordinatesNeverAliasEvenWhenTheyDifferOnlyInHighBits() {
        // For every dimension, values that differ only in bit 9 or bit 8 (and the extremes) get their own page.
        int[][] pairs = {{1, 513}, {256, 768}, {487, 999}, {1, 999}, {2, 258}};
        try (PhextPageTable ppt = new PhextPageTable()) {
            List<PageSpec> specs = new ArrayList<>();
            Set<PhextCoord> coords = new HashSet<>();
            for (Dimension d : SCROLL_DIMS) {
                for (int[] p : pairs) {
                    for (int v : p) {
                        PhextCoord c = PhextCoord.ORIGIN.with(d, v);
                        if (coords.add(c)) {
                            specs.add(new PageSpec(c, DType.F32, 2, 3));
                        }
                    }
                }
            }
            ppt.placeAll(specs);
            int i = 0;
            for (PhextCoord c : coords) {
                Page page = ppt.lookup(c, "test");
                page.set(1, 2, i++);
            }
            i = 0;
            Set<Long> addresses = new HashSet<>();
            for (PhextCoord c : coords) {
                Page page = ppt.lookup(c, "test");
                assertEquals(i++, page.get(1, 2), "page at " + c + " kept its own value");
                assertTrue(addresses.add(page.segment().address()), "no two pages share memory: " + c);
            }
        }
    }

    @Test
    void neighbouringScrollsAreNeighboursInMemory() {
        try (PhextPageTable ppt = new PhextPageTable()) {
            List<PageSpec> specs = new ArrayList<>();
            // Declared out of order on purpose: placement follows the curve, not the declaration order.
            for (int s : new int[] {9, 3, 7, 1, 5, 2, 8, 4, 6}) {
                specs.add(new PageSpec(PhextCoord.ORIGIN.with(Dimension.SCROLL, s), DType.F32, 4, 16));
            }
            ppt.placeAll(specs);
            long pageBytes = 4 * 16 * 4;
            for (int s = 1; s < 9; s++) {
                long a = ppt.lookup(PhextCoord.ORIGIN.with(Dimension.SCROLL, s), "t").segment().address();
                long b = ppt.lookup(PhextCoord.ORIGIN.with(Dimension.SCROLL, s + 1), "t").segment().address();
                assertTrue(Math.abs(b - a) <= 2 * pageBytes, "scrolls " + s + " and " + (s + 1) + " are " + (b - a) + " bytes apart");
            }
        }
    }

    @Test
    void mortonKeysInterleaveEveryBitOfEveryDimension() {
        Set<String> keys = new HashSet<>();
        for (Dimension d : SCROLL_DIMS) {
            for (int bit = 0; bit < 10; bit++) {
                long[] k = MortonOrder.key(PhextCoord.ORIGIN.with(d, 1 + (1 << bit)));
                assertTrue(keys.add(k[0] + ":" + k[1]), "distinct key for " + d + " bit " + bit);
            }
        }
    }

    @Test
    void theTranslationCacheCountsHitsAndMisses() {
        try (PhextPageTable ppt = new PhextPageTable()) {
            PhextCoord c = PhextCoord.ORIGIN;
            ppt.placeAll(List.of(new PageSpec(c, DType.F32, 1, 1)));
            ppt.lookup(c, "t");
            ppt.lookup(c, "t");
            ppt.lookup(c, "t");
            assertEquals(1, ppt.cacheMisses());
            assertEquals(2, ppt.cacheHits());
            assertNull(ppt.lookupOrNull(PhextCoord.ORIGIN.with(Dimension.BOOK, 2)));
        }
    }

    @Test
    void allocAndFreeManagePagesAndFaultsAreClear() {
        try (PhextPageTable ppt = new PhextPageTable()) {
            PhextCoord c = PhextCoord.parse("3.1.1/1.1.1/1.1.1");
            Page p = ppt.alloc(c, DType.F16, 3, 3);
            assertEquals(0f, p.get(2, 2), "zero-filled");
            assertTrue(assertThrows(VtpuRuntimeException.class, () -> ppt.alloc(c, DType.F32, 1, 1)).getMessage()
                    .contains("already exists"));
            ppt.free(c);
            assertNull(ppt.lookupOrNull(c));
            assertTrue(assertThrows(VtpuRuntimeException.class, () -> ppt.free(c)).getMessage().contains("no page"));
        }
        PhextPageTable closed = new PhextPageTable();
        closed.close();
        assertThrows(VtpuRuntimeException.class, () -> closed.lookupOrNull(PhextCoord.ORIGIN));
    }

    @Test
    void fileBackedPagesSurviveARestart(@TempDir Path dir) {
        PhextCoord c = PhextCoord.parse("1.2.3/4.5.6/7.8.9");
        try (PhextPageTable ppt = new PhextPageTable(new PageStore(dir))) {
            Page p = ppt.alloc(c, DType.BF16, 2, 5);
            p.set(1, 4, 42.0f);
            ppt.flush(c);
        }
        try (PhextPageTable again = new PhextPageTable(new PageStore(dir))) {
            Page p = again.lookup(c, "after restart");
            assertEquals(DType.BF16, p.dtype());
            assertEquals(2, p.lines());
            assertEquals(42.0f, p.get(1, 4));
            assertNotEquals(0, again.cacheMisses());
            again.free(c);
        }
        try (PhextPageTable third = new PhextPageTable(new PageStore(dir))) {
            assertNull(third.lookupOrNull(c), "FREE removed the file");
        }
    }
}

package ai.vtpu.runtime.memory;

import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.runtime.VtpuRuntimeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * File-backed pages: one file per page in a directory, memory-mapped, so a tensor store survives a
 * restart. File layout: a 64-byte header (magic "vTPUPAGE", u32 dtype code, u64 lines, u64 columns,
 * zero padding) and the elements, row-major, little-endian.
 */
public final class PageStore implements AutoCloseable {
    private static final long MAGIC = 0x4547_4150_5550_5476L; // "vTPUPAGE" little-endian
    private static final long HEADER = 64;

    private final Path dir;
    private final Arena arena = Arena.ofShared();

    public PageStore(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VtpuRuntimeException("cannot create the page store " + dir + ": " + e.getMessage(), e);
        }
    }

    private Path file(PhextCoord c) {
        return dir.resolve(c.toString().replace('/', '_') + ".page");
    }

    Page create(PhextCoord coord, DType dtype, long lines, long columns) {
        Path f = file(coord);
        long size = HEADER + Page.bytes(dtype, lines, columns);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            all.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, MAGIC);
            all.set(ValueLayout.JAVA_INT_UNALIGNED, 8, dtype.code());
            all.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, lines);
            all.set(ValueLayout.JAVA_LONG_UNALIGNED, 24, columns);
            return new Page(coord, dtype, lines, columns, all.asSlice(HEADER), null, false);
        } catch (IOException e) {
            throw new VtpuRuntimeException("ALLOC: cannot create page file " + f + ": " + e.getMessage(), e);
        }
    }

    /** The stored page at {@code coord}, or null when there is none. */
    Page open(PhextCoord coord) {
        Path f = file(coord);
        if (!Files.exists(f)) {
            return null;
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            if (size < HEADER) {
                throw new VtpuRuntimeException("page file " + f + " is truncated (" + size + " bytes)");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
            DType dtype = DType.ofCode(all.get(ValueLayout.JAVA_INT_UNALIGNED, 8));
            long lines = all.get(ValueLayout.JAVA_LONG_UNALIGNED, 16);
            long columns = all.get(ValueLayout.JAVA_LONG_UNALIGNED, 24);
            if (all.get(ValueLayout.JAVA_LONG_UNALIGNED, 0) != MAGIC || dtype == null || lines < 1 || columns < 1
                    || size != HEADER + Page.bytes(dtype, lines, columns)) {
                throw new VtpuRuntimeException("page file " + f + " is damaged (bad header or size)");
            }
            return new Page(coord, dtype, lines, columns, all.asSlice(HEADER), null, false);
        } catch (IOException e) {
            throw new VtpuRuntimeException("cannot open page file " + f + ": " + e.getMessage(), e);
        }
    }

    void delete(Page p) {
        try {
            Files.deleteIfExists(file(p.coord()));
        } catch (IOException e) {
            throw new VtpuRuntimeException("FREE: cannot delete page file for " + p.coord() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}

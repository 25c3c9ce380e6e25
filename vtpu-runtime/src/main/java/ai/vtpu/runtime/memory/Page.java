package ai.vtpu.runtime.memory;

import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.runtime.kernel.Convert;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A page: {@code lines x columns} elements of one dtype at a scroll coordinate, row-major in off-heap
 * memory. Element (r, c), 0-based, is at line r+1, column c+1.
 *
 * @param owner the arena to close when the page is freed, or null when the page lives in a slab
 * @param shared true for a page mapped into several sentrons' tables (read-only to programs)
 */
public record Page(PhextCoord coord, DType dtype, long lines, long columns, MemorySegment segment, Arena owner,
                   boolean shared) {

    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;

    public static long bytes(DType t, long lines, long columns) {
        return lines * columns * t.bytes();
    }

    public long elements() {
        return lines * columns;
    }

    /** Element (r, c), 0-based, converted to fp32. */
    public float get(long r, long c) {
        long i = r * columns + c;
        return switch (dtype) {
            case F32 -> segment.getAtIndex(F32, i);
            case BF16 -> Convert.fromBf16(segment.getAtIndex(I16, i));
            case F16 -> Convert.fromF16(segment.getAtIndex(I16, i));
            case I32 -> segment.getAtIndex(I32, i);
            case I8 -> segment.get(ValueLayout.JAVA_BYTE, i);
        };
    }

    /** Sets element (r, c) from fp32, converting as SCATTER does. */
    public void set(long r, long c, float v) {
        long i = r * columns + c;
        switch (dtype) {
            case F32 -> segment.setAtIndex(F32, i, v);
            case BF16 -> segment.setAtIndex(I16, i, Convert.toBf16(v));
            case F16 -> segment.setAtIndex(I16, i, Convert.toF16(v));
            case I32 -> segment.setAtIndex(I32, i, (int) Convert.toInt(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case I8 -> segment.set(ValueLayout.JAVA_BYTE, i, (byte) Convert.toInt(v, Byte.MIN_VALUE, Byte.MAX_VALUE));
        }
    }
}

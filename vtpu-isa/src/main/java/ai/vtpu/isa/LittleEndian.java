package ai.vtpu.isa;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian field access on byte arrays: the byte order of every vTPU format. */
public final class LittleEndian {
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private LittleEndian() {
    }

    public static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    public static int u16(byte[] b, int off) {
        return (short) I16.get(b, off) & 0xFFFF;
    }

    public static long u32(byte[] b, int off) {
        return (int) I32.get(b, off) & 0xFFFF_FFFFL;
    }

    public static int i32(byte[] b, int off) {
        return (int) I32.get(b, off);
    }

    public static long i64(byte[] b, int off) {
        return (long) I64.get(b, off);
    }

    public static void put8(byte[] b, int off, int v) {
        b[off] = (byte) v;
    }

    public static void put16(byte[] b, int off, int v) {
        I16.set(b, off, (short) v);
    }

    public static void put32(byte[] b, int off, long v) {
        I32.set(b, off, (int) v);
    }

    public static void put64(byte[] b, int off, long v) {
        I64.set(b, off, v);
    }
}

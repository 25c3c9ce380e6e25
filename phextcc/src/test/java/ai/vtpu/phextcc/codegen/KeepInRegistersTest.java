package ai.vtpu.phextcc.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.siw.Pipe;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The register pass on hand-made op lists: cases the lowering does not produce today. */
class KeepInRegistersTest {
    private static final int X = Instr.MEMORY;
    private static final int IN = Instr.MEMORY + 1;
    private static final int OUT = Instr.MEMORY + 2;

    private final List<Instr> ops = new ArrayList<>();
    private int coord;

    private static BitSet bits(int... b) {
        BitSet s = new BitSet();
        for (int i : b) {
            s.set(i);
        }
        return s;
    }

    private void move(boolean scatter, int tile, int memory, String page, int row) {
        int p = 32 + coord++ % 8;
        ops.add(new Instr(Pipe.S, "CSET P" + (p - 32) + ", " + page + "@" + (row + 1) + ":1", new BitSet(), bits(p), true, 0, 0));
        Instr.Copy c = new Instr.Copy(scatter, tile, new Instr.Region(memory, page, row, 0, 2, 2), true, false);
        ops.add(scatter
                ? new Instr(Pipe.S, "SCATTER T" + tile + ", P" + (p - 32) + ", 2x2", bits(p, tile), bits(memory), true, 0, 16, c)
                : new Instr(Pipe.S, "GATHER T" + tile + ", P" + (p - 32) + ", 2x2", bits(p, memory), bits(tile), true, 0, 16, c));
    }

    private void d(String asm, int dst, int... reads) {
        ops.add(new Instr(Pipe.D, asm, bits(reads), bits(dst), false, 0, 0));
    }

    /** The destination register of the n-th op whose text starts with {@code prefix}. */
    private static int destination(List<Instr> ops, String prefix, int n) {
        return ops.stream().filter(o -> o.asm().startsWith(prefix)).skip(n).findFirst().orElseThrow().writes().nextSetBit(0);
    }

    /**
     * An accumulating MMA that also names its accumulator as a source updates it in place: its result keeps the
     * register of the value it adds to (found by review: the pass had taken it for an op naming its operands, and
     * added to another register; the lowering gives MMAs distinct registers, so no graph met it).
     */
    @Test
    void anAccumulatingMmaThatNamesItsAccumulatorKeepsItsRegister() {
        move(false, 1, IN, "in", 0);
        move(false, 2, IN, "in", 2);
        d("MMA T0, T1, T2, zero", 0, 1, 2); // v
        move(true, 0, X, "X", 0);
        move(false, 6, X, "X", 0); // v again, through memory
        d("MMA T0, T0, T6", 0, 0, 6); // v += v . v
        move(true, 0, OUT, "out", 0);
        KeepInRegisters.Result r = KeepInRegisters.run(ops, m -> m == X);
        int v = destination(r.ops(), "MMA", 0);
        Instr accumulate = r.ops().stream().filter(o -> o.asm().startsWith("MMA")).skip(1).findFirst().orElseThrow();
        assertEquals(v, accumulate.writes().nextSetBit(0), "the accumulation must land on v's register: " + r.ops());
        assertTrue(accumulate.asm().startsWith("MMA T" + v + ", T" + v + ", "), accumulate.asm());
    }
}

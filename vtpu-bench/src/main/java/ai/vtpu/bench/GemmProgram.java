package ai.vtpu.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Writes SGEMM programs (C = A . B, n x n, fp32) in .siwa: A and C split by rows across the sentrons, B
 * shared, tiles of {@code tile} x {@code tile}. The tile steps (i, j, k) of a sentron's shard are laid out
 * in order (the program repeats them {@code repeat} times in a loop). The plain form gathers both operands
 * of a step and waits for them before its MMA; the double-buffered form issues the gathers of step t+1 into
 * the other register pair before the MMA of step t, across tile boundaries too, and alternates two
 * accumulators so the SCATTER of a finished C tile overlaps the next tile's MMAs.
 */
public final class GemmProgram {
    private GemmProgram() {
    }

    public static String siwa(int n, int tile, int sentrons, boolean doubleBuffered) {
        return siwa(n, tile, sentrons, doubleBuffered, 1);
    }

    private record Step(int i, int j, int k, int tileIndex) {
    }

    public static String siwa(int n, int tile, int sentrons, boolean doubleBuffered, int repeat) {
        if (n % tile != 0 || (n / tile) % sentrons != 0) {
            throw new IllegalArgumentException("n must be a multiple of tile x sentrons: n=" + n + " tile=" + tile + " sentrons=" + sentrons);
        }
        int rowBlocks = n / tile / sentrons;
        int blocks = n / tile;
        List<Step> steps = new ArrayList<>();
        int q = 0;
        for (int i = 0; i < rowBlocks; i++) {
            for (int j = 0; j < blocks; j++, q++) {
                for (int k = 0; k < blocks; k++) {
                    steps.add(new Step(i, j, k, q));
                }
            }
        }
        StringBuilder s = new StringBuilder();
        s.append("; SGEMM ").append(n).append('x').append(n).append(", tile ").append(tile).append(", ").append(sentrons)
                .append(" sentron(s), ").append(doubleBuffered ? "double-buffered" : "plain").append(", repeated ").append(repeat)
                .append(" time(s) (written by GemmProgram)\n");
        s.append(".const T = ").append(tile).append('\n');
        s.append(".tensor A f32[").append(n).append(", ").append(n).append("] @1.1.1/1.1.1/1.1.1 input split=rows\n");
        s.append(".tensor B f32[").append(n).append(", ").append(n).append("] @1.1.1/1.1.1/1.1.2 input\n");
        s.append(".tensor C f32[").append(n).append(", ").append(n).append("] @1.1.1/1.1.1/1.1.3 output split=rows\n");
        s.append("        S: SLI R9, ").append(repeat).append(" ^0\n");
        s.append("        wait s0 | D: NOP\n");
        s.append("again:\n");
        if (doubleBuffered) {
            gathers(s, steps.get(0), tile, 0);
        }
        for (int t = 0; t < steps.size(); t++) {
            Step st = steps.get(t);
            int buf = doubleBuffered ? t % 2 : 0;
            if (!doubleBuffered) {
                gathers(s, st, tile, 0);
            } else if (t + 1 < steps.size()) {
                gathers(s, steps.get(t + 1), tile, (t + 1) % 2);
            }
            String acc = doubleBuffered && st.tileIndex() % 2 == 1 ? "T7" : "T0";
            s.append("        wait s").append(1 + buf).append(" | D: MMA ").append(acc).append(", T").append(1 + 2 * buf)
                    .append(", T").append(2 + 2 * buf).append(st.k() == 0 ? ", zero" : "").append('\n');
            if (st.k() == blocks - 1) {
                s.append("        S: CSET P3, C@").append(st.i() * tile + 1).append(':').append(st.j() * tile + 1).append('\n');
                s.append("        S: SCATTER ").append(acc).append(", P3, T x T\n");
            }
        }
        s.append("        sync | C: LOOP R9, again\n");
        s.append("        sync | C: HALT\n");
        return s.toString();
    }

    /** The four S ops that gather A(i,k) and B(k,j) into register pair {@code buf}, signalling tag 1 + buf. */
    private static void gathers(StringBuilder s, Step st, int tile, int buf) {
        s.append("        S: CSET P1, A@").append(st.i() * tile + 1).append(':').append(st.k() * tile + 1).append('\n');
        s.append("        S: GATHER T").append(1 + 2 * buf).append(", P1, T x T\n");
        s.append("        S: CSET P2, B@").append(st.k() * tile + 1).append(':').append(st.j() * tile + 1).append('\n');
        s.append("        S: GATHER T").append(2 + 2 * buf).append(", P2, T x T ^").append(1 + buf).append('\n');
    }
}

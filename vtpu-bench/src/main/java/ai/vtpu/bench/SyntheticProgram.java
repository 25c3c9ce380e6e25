package ai.vtpu.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The synthetic SIW streams of the original plan: D-heavy, S-heavy, C-heavy and balanced mixes at high,
 * medium and low locality, for 2 sentrons. All tiles are 64 x 64. Locality is where the S ops go: HIGH
 * re-reads one tile (cache-resident); MEDIUM walks a 4 MiB tensor whose tiles are contiguous 16 KiB
 * blocks; LOW walks down a 64 MiB row-major matrix, so each tile is 64 rows of 256 bytes, 16 KiB apart.
 */
public final class SyntheticProgram {
    /** What the body of the loop does. */
    public enum Mix { D_HEAVY, S_HEAVY, C_HEAVY, BALANCED }

    /** Where its S ops go. */
    public enum Locality { HIGH, MEDIUM, LOW }

    /** SIWs in one trip of the inner loop body (excluding the address steps and the LOOP). */
    static final int BODY = 8;

    private SyntheticProgram() {
    }

    public static String siwa(Mix mix, Locality loc, int outerTrips) {
        String tensor;
        int positions;
        String step;
        switch (loc) {
            case HIGH -> {
                tensor = ".tensor M f32[64, 64] @1.1.1/1.1.1/1.1.1 scratch";
                positions = 64;
                step = null;
            }
            case MEDIUM -> {
                tensor = ".tensor M f32[16384, 64] @1.1.1/1.1.1/1.1.1 scratch";
                positions = 256;
                step = "S: INDEX P0, P0, line, 64";
            }
            default -> {
                tensor = ".tensor M f32[4096, 4096] @1.1.1/1.1.1/1.1.1 scratch";
                positions = 64;
                step = "S: INDEX P0, P0, line, 64";
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("; synthetic " + mix.name().toLowerCase(Locale.ROOT) + " stream, " + loc.name().toLowerCase(Locale.ROOT)
                + " locality (written by SyntheticProgram)");
        lines.add(tensor);
        lines.add("        D: FILL T1, 64x64, 0.5 | S: SLI R1, " + outerTrips + " ^0");
        lines.add("        D: FILL T2, 64x64, 0.25");
        lines.add("        D: FILL T3, 64x64, 0.0");
        lines.add("        D: FILL T4, 64x64, 1.0");
        lines.add("        wait s0 | D: FILL T6, 64x64, 1.0");
        lines.add("outer:  S: CSET P0, M");
        lines.add("        S: SLI R2, " + positions + " ^1");
        boolean first = true;
        for (int i = 0; i < BODY; i++) {
            String d = switch (mix) {
                case D_HEAVY, BALANCED -> "D: MMA T3, T1, T2";
                default -> i % 4 == 0 ? "D: ADD T3, T3, T4" : null;
            };
            String s = switch (mix) {
                case D_HEAVY -> i % 4 == 0 ? "S: GATHER T5, P0, 64x64" : null;
                case S_HEAVY, BALANCED -> i % 2 == 0 ? "S: GATHER T5, P0, 64x64" : "S: SCATTER T4, P0, 64x64";
                case C_HEAVY -> i % 4 == 0 ? "S: GATHER T5, P0, 64x64" : null;
            };
            String c = switch (mix) {
                case C_HEAVY -> i % 2 == 0 ? "C: REDUCE T6, 0, sum" : "C: BAR 0";
                case BALANCED -> i % 4 == 0 ? "C: REDUCE T6, 0, sum" : null;
                default -> null;
            };
            List<String> parts = new ArrayList<>();
            if (first) {
                parts.add("wait s1");
            }
            for (String p : new String[] {d, s, c}) {
                if (p != null) {
                    parts.add(p);
                }
            }
            if (parts.isEmpty() || parts.equals(List.of("wait s1"))) {
                parts.add("D: NOP");
            }
            lines.add((first ? "inner:  " : "        ") + String.join(" | ", parts));
            first = false;
        }
        if (step != null) {
            lines.add("        " + step);
        }
        lines.add("        C: LOOP R2, inner");
        lines.add("        C: LOOP R1, outer");
        lines.add("        sync | C: HALT");
        return String.join("\n", lines) + "\n";
    }

    /** Loop-body SIWs the program runs (each inner trip runs BODY SIWs, an optional step and the LOOP). */
    public static int positions(Locality loc) {
        return loc == Locality.MEDIUM ? 256 : 64;
    }
}

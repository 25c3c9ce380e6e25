package ai.vtpu.isa.asm;

import ai.vtpu.isa.siw.Pipe;

/**
 * Where each SIW of an assembled program came from, so that later findings (the validator's) can be
 * reported as {@code file:line:column}.
 */
public final class SourceMap {
    private final String file;
    private final int[] lines;
    private final int[][] columns;

    SourceMap(String file, int[] lines, int[][] columns) {
        this.file = file;
        this.lines = lines;
        this.columns = columns;
    }

    public String file() {
        return file;
    }

    /** {@code file:line:column} of SIW {@code index}, at its slot {@code pipe} (or the line when null). */
    public String locate(int index, Pipe pipe) {
        if (index < 0 || index >= lines.length) {
            return file + ": SIW " + index;
        }
        int col = pipe == null ? 1 : columns[index][pipe.ordinal()];
        return file + ":" + lines[index] + ":" + col;
    }
}

package ai.vtpu.isa.verify;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.asm.SourceMap;
import ai.vtpu.isa.siw.Pipe;

/**
 * One finding of the validator.
 *
 * @param siw the SIW index, or -1 for a finding about the declarations
 * @param slot the slot concerned, or null for the whole SIW
 */
public record Diagnostic(ErrorCode code, int siw, Pipe slot, String message) {

    /** {@code file:line:col: [VTPU-1051] message} when a source map is known, else {@code SIW n, S slot: ...}. */
    public String render(SourceMap map) {
        String where;
        if (siw < 0) {
            where = map == null ? "declarations" : map.file();
        } else if (map != null) {
            where = map.locate(siw, slot);
        } else {
            where = "SIW " + siw + (slot == null ? "" : ", " + slot + " slot");
        }
        return where + ": [" + code.tag() + "] " + message;
    }

    @Override
    public String toString() {
        return render(null);
    }
}

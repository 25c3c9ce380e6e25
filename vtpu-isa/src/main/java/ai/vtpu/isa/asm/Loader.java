package ai.vtpu.isa.asm;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.program.ProgramFile;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a program from either form: a binary {@code .siw} (told by its magic) or {@code .siwa} text. */
public final class Loader {
    private Loader() {
    }

    /** @return the program, with a source map when it came from assembly text (null otherwise) */
    public static Assembly load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException | OutOfMemoryError e) {
            throw IsaException.io(file, "read", e);
        }
        if (ProgramFile.looksLikeSiw(bytes) || file.toString().endsWith(".siw")) {
            try {
                return new Assembly(ProgramFile.read(bytes), null);
            } catch (IsaException e) {
                throw e.at(file.toString());
            }
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IsaException(ErrorCode.ASM_SYNTAX, file.toString(),
                    "neither a .siw file (no 'vTPU-SIW' magic) nor UTF-8 assembly text");
        }
        return Assembler.assemble(text, file.toString());
    }
}

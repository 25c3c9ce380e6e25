package ai.vtpu.isa.siw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.asm.Disassembler;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.ProgramFile;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The encoding is a bijection on well-formed SIWs, and the assembly text round-trips to identical bytes. */
class SiwRoundTripTest {

    @Property(tries = 3000)
    void decodeOfEncodeIsIdentity(@ForAll long seed) {
        Siw siw = new RandomSiw(new Random(seed)).siw(0);
        byte[] bytes = SiwCodec.encode(siw);
        assertEquals(Siw.BYTES, bytes.length);
        Siw back = SiwCodec.decode(bytes, 0, 0);
        assertEquals(siw, back);
        assertEquals(siw.d().immBits(), back.d().immBits(), "NaN payloads survive");
        assertArrayEquals(bytes, SiwCodec.encode(back));
    }

    @Property(tries = 400)
    void programFileRoundTrips(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int length) {
        Program p = new RandomSiw(new Random(seed)).program(length);
        byte[] bytes = ProgramFile.write(p);
        assertEquals(p, ProgramFile.read(bytes));
    }

    @Property(tries = 400)
    void assembleOfDisassembleGivesIdenticalBytes(@ForAll long seed, @ForAll @IntRange(min = 0, max = 40) int length) {
        Program p = new RandomSiw(new Random(seed)).program(length);
        byte[] bytes = ProgramFile.write(p);
        String text = Disassembler.disassemble(ProgramFile.read(bytes));
        Program again = Assembler.assemble(text, "disassembly.siwa").program();
        assertArrayEquals(bytes, ProgramFile.write(again), () -> "disassembly did not round-trip:\n" + text);
    }
}

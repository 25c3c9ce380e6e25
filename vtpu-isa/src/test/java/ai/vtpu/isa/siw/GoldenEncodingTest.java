package ai.vtpu.isa.siw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.asm.Disassembler;
import ai.vtpu.isa.program.Program;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The golden encodings of docs/ISA.md §8, read from the document itself so the spec cannot drift. */
class GoldenEncodingTest {
    private static final Pattern EXAMPLE = Pattern.compile(
            "`([^`\\n]+)`\\n```\\nheader ([0-9a-f ]+)\\nD +([0-9a-f ]+)\\nS +([0-9a-f ]+)\\nC +([0-9a-f ]+)\\n```");

    record Golden(String assembly, byte[] bytes) {
    }

    static List<Golden> examples() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "ISA.md"));
        String section = doc.substring(doc.indexOf("## 8. Golden encodings"));
        Matcher m = EXAMPLE.matcher(section);
        List<Golden> out = new ArrayList<>();
        while (m.find()) {
            String hex = (m.group(2) + m.group(3) + m.group(4) + m.group(5)).replace(" ", "");
            out.add(new Golden(m.group(1), HexFormat.of().parseHex(hex)));
        }
        return out;
    }

    @TestFactory
    List<DynamicTest> everyGoldenExampleEncodesAsDocumented() throws IOException {
        List<Golden> examples = examples();
        assertTrue(examples.size() >= 5, "docs/ISA.md §8 should hold the golden examples, found " + examples.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (Golden g : examples) {
            tests.add(DynamicTest.dynamicTest(g.assembly(), () -> {
                assertEquals(Siw.BYTES, g.bytes().length, "a golden example must list 64 bytes");
                String source = (g.assembly().contains("REDUCE") ? ".group 1 = 0, 1\n" : "") + g.assembly();
                Program p = Assembler.assemble(source, "golden.siwa").program();
                Siw siw = p.code().get(0);
                assertArrayEquals(g.bytes(), SiwCodec.encode(siw), "encoding of " + g.assembly());
                assertEquals(siw, SiwCodec.decode(g.bytes(), 0, 0), "decoding of " + g.assembly());
                assertEquals(g.assembly(), Disassembler.siw(siw, p, Set.of()),
                        "disassembly of " + g.assembly());
            }));
        }
        return tests;
    }
}

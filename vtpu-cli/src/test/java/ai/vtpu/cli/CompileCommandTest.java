package ai.vtpu.cli;

import static ai.vtpu.cli.VtpuCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vtpu compile} then {@code vtpu run}, as a user chains them. */
class CompileCommandTest {
    @TempDir
    Path dir;

    @Test
    void compilesTheBlockWithAReportAndRunsIt() {
        Path siw = dir.resolve("block.siw");
        Path asm = dir.resolve("block.siwa");
        VtpuCommandTest.Result c = run("compile", "../examples/block.ir", "-O", "3", "-o", siw.toString(), "--emit-asm",
                asm.toString(), "--report");
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("fuse-matmul-epilogue") && c.out().contains("SIWs"), c.out());
        assertTrue(Files.exists(asm));
        assertEquals(0, run("check", asm.toString()).code(), "the emitted assembly is valid");
        VtpuCommandTest.Result r = run("run", siw.toString(), "--random-inputs", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("output y [64, 128]"), r.out());
    }

    @Test
    void aBadGraphIsOneLocatedError() throws Exception {
        Path g = dir.resolve("bad.ir");
        Files.writeString(g, "graph g\ninput a: f32[2, 3]\ninput b: f32[4, 5]\ny = matmul(a, b)\noutput y\n");
        VtpuCommandTest.Result r = run("compile", g.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + g + ":4:5: node 'y' (matmul): inner dimensions differ"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void theMlpAndTheBlockCompileForTwoSentronsAndATransposeExplainsWhyItCannot() throws Exception {
        Path m = dir.resolve("m.siw");
        VtpuCommandTest.Result ok = run("compile", "../examples/mlp.ir", "--sentrons", "2", "-o", m.toString());
        assertEquals(0, ok.code(), ok.err());
        VtpuCommandTest.Result r = run("run", m.toString(), "--random-inputs", "1", "--sentrons", "2");
        assertEquals(0, r.code(), r.err());
        Path b = dir.resolve("b.siw");
        assertEquals(0, run("compile", "../examples/block.ir", "--sentrons", "2", "-o", b.toString()).code());
        assertEquals(0, run("run", b.toString(), "--random-inputs", "1", "--sentrons", "2").code());
        Path g = dir.resolve("t.ir");
        Files.writeString(g, "graph t\ninput x: f32[8, 4] split=rows\ny = transpose(x)\noutput y\n");
        VtpuCommandTest.Result bad = run("compile", g.toString(), "--sentrons", "2", "-o", dir.resolve("t.siw").toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("node 'y' (transpose)") && bad.err().contains("needs a collective"), bad.err());
    }
}

package ai.vtpu.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vtpu command as a user meets it: exit codes, outputs and one-line errors. */
class VtpuCommandTest {
    private static final Path GEMM = Path.of("..", "examples", "gemm.siwa");

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    /** Runs the command line as `vtpu` would, capturing exit code, stdout and stderr (shared by the CLI tests). */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VtpuCommand.execute(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void versionAndHelp() {
        Result v = run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().matches("(?s)vtpu \\d+\\.\\d+\\.\\d+.*SIW format 1\\.1.*"), v.out());
        Result h = run("--help");
        assertEquals(0, h.code());
        for (String sub : new String[] {"asm", "disasm", "check"}) {
            assertTrue(h.out().contains(sub), "help lists " + sub);
        }
    }

    @Test
    void assembleCheckAndDisassembleRoundTrip() throws IOException {
        Path siw = dir.resolve("gemm.siw");
        Result asm = run("asm", GEMM.toString(), "-o", siw.toString());
        assertEquals(0, asm.code(), asm.err());
        assertTrue(asm.out().contains("22 SIWs"), asm.out());
        Result check = run("check", siw.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(check.out().contains("valid"), check.out());

        Path text = dir.resolve("again.siwa");
        assertEquals(0, run("disasm", siw.toString(), "-o", text.toString()).code());
        Path again = dir.resolve("again.siw");
        assertEquals(0, run("asm", text.toString(), "-o", again.toString()).code());
        assertArrayEquals(Files.readAllBytes(siw), Files.readAllBytes(again), "disasm output re-assembles to identical bytes");
    }

    @Test
    void anInvalidProgramFailsWithLocatedErrorsAndNoStackTrace() throws IOException {
        Path bad = dir.resolve("bad.siwa");
        Files.writeString(bad, "S: CSET P0, 1.1.1/1.1.1/1.1.1\nS: GATHER T1, P0, 8x8\nD: RELU T2, T1\n");
        Result r = run("check", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(bad + ":3:1: [VTPU-1051]"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertFalse(Files.exists(dir.resolve("bad.siw")));
        assertEquals(1, run("asm", bad.toString()).code(), "asm refuses an invalid program");
        assertEquals(0, run("asm", bad.toString(), "--no-verify").code());
        assertTrue(Files.exists(dir.resolve("bad.siw")));
    }

    @Test
    void syntaxErrorsNameLineAndColumn() throws IOException {
        Path bad = dir.resolve("typo.siwa");
        Files.writeString(bad, "D: FILL T1, 8x8, 1.0\nD: MMA T0, T1\n");
        Result r = run("asm", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + bad + ":2:"), r.err());
        assertTrue(r.err().contains("expected a tile register"), r.err());
    }

    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path bad = dir.resolve("typo.siwa");
        Files.writeString(bad, "D: FOO T1\n");
        Result r = run("asm", "--verbose", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    @Test
    void damagedAndMissingFilesAreClearErrors() throws IOException {
        Path siw = dir.resolve("gemm.siw");
        assertEquals(0, run("asm", GEMM.toString(), "-o", siw.toString()).code());
        byte[] bytes = Files.readAllBytes(siw);
        bytes[bytes.length - 3] ^= 0x40;
        Files.write(siw, bytes);
        Result damaged = run("disasm", siw.toString());
        assertEquals(1, damaged.code());
        assertTrue(damaged.err().contains("[VTPU-1004]"), damaged.err());

        Result missing = run("check", dir.resolve("nope.siw").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void badUsageExitsWithTwo() {
        assertEquals(2, run("frobnicate").code());
        assertEquals(2, run("asm").code());
    }
}

package ai.vtpu.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.isa.asm.Assembler;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.ProgramFile;
import ai.vtpu.isa.program.Role;
import ai.vtpu.isa.program.Split;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Siw;
import ai.vtpu.isa.verify.Diagnostic;
import ai.vtpu.isa.verify.Validator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Findings of a review of the ISA module, each kept as the input that showed it. */
class ReviewRegressionTest {

    @Test
    void theValidatorKeepsStatesPerBlockSoLongProgramsFitInMemory() {
        // One million SIWs used to need about 6 GB (a state per SIW); per basic block it is one state.
        List<Siw> code = new ArrayList<>();
        for (int i = 0; i < 1_000_000; i++) {
            code.add(Siw.EMPTY);
        }
        code.add(Siw.of(CBranch.halt()));
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        List<Diagnostic> ds = Validator.validate(new Program(List.of(), List.of(), code));
        assertEquals(List.of(), ds);
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 512L << 20, "validation grew the heap by " + ((after - before) >> 20) + " MiB");
    }

    @Test
    void castOfATileNoPathWroteIsReported() {
        String src = ".group 1 = 0, 1\nC: CAST T0, 1, 0, 4x4\nsync | C: SEND T0, 0, 0\nC: HALT\n";
        List<Diagnostic> ds = Validator.validate(Assembler.assemble(src, "t.siwa").program());
        assertTrue(ds.stream().anyMatch(d -> d.code() == ErrorCode.UNDEFINED_TILE && d.message().contains("CAST")), ds::toString);
    }

    @Test
    void aNegatedHexLiteralBelowMinus2To63IsOutOfRange() {
        IsaException e = assertThrows(IsaException.class,
                () -> Assembler.assemble("D: FILL T0, 1x1, 1\nC: SEND T0, -0xffffffffffffffff, 0\n", "t.siwa"));
        assertEquals(ErrorCode.FIELD_RANGE, e.code(), e.getMessage());
        assertEquals(Long.MIN_VALUE, ((ai.vtpu.isa.siw.SScalar) Assembler.assemble("S: SLI R1, -0x8000000000000000\n", "t.siwa")
                .program().code().get(0).s()).imm());
    }

    @Test
    void onlyAsciiSpellingsAreAccepted() {
        assertThrows(IsaException.class, () -> Assembler.assemble("D: FILL T3, 1x1, 1\nD: MOV T1, T\u0663\n", "t.siwa"));
        assertThrows(IsaException.class, () -> Assembler.assemble("S: \u017fcatter T0, P0, 1x4\n", "t.siwa"));
        assertEquals(null, DType.ofLabel("\u017f32"));
    }

    @Test
    void aSiwFileWithDuplicateDeclarationsIsRejectedOnRead() {
        TensorDecl a = new TensorDecl("A", DType.F32, List.of(2, 2), PhextCoord.ORIGIN, Role.INPUT, Split.NONE);
        TensorDecl again = new TensorDecl("A", DType.F32, List.of(2, 2), PhextCoord.parse("1.1.1/1.1.1/1.1.2"), Role.INPUT, Split.NONE);
        byte[] bytes = ProgramFile.write(new Program(List.of(a, again), List.of(), List.of(Siw.of(CBranch.halt()))));
        IsaException e = assertThrows(IsaException.class, () -> ProgramFile.read(bytes));
        assertEquals(ErrorCode.BAD_DECLARATION, e.code());
        assertTrue(e.getMessage().contains("declared twice"), e.getMessage());
    }
}

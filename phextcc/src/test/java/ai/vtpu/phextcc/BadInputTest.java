package ai.vtpu.phextcc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.vtpu.phextcc.ir.IrParser;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malformed graphs: each a clear error naming where and what was expected. */
class BadInputTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "malformed statement | graph g\\ninput a: f32[2, 2]\\ny = = relu(a)\\noutput y | g.ir:3:5: expected an op name",
        "unknown op | graph g\\ninput a: f32[2, 2]\\ny = frobnicate(a)\\noutput y | node 'y' (frobnicate): unknown op",
        "shape mismatch | graph g\\ninput a: f32[2, 3]\\ninput b: f32[4, 5]\\ny = matmul(a, b)\\noutput y | g.ir:4:5: node 'y' (matmul): inner dimensions differ",
        "broadcast mismatch | graph g\\ninput a: f32[2, 3]\\ninput b: f32[4]\\ny = add(a, b)\\noutput y | do not broadcast",
        "cycle | graph g\\ninput a: f32[2, 2]\\nx = add(a, y)\\ny = relu(x)\\noutput y | is on a cycle: x -> y -> x",
        "unsupported dtype | graph g\\ninput a: i32[2, 2]\\ny = relu(a)\\noutput y | only f32 is supported",
        "unknown dtype | graph g\\ninput a: f64[2, 2]\\ny = relu(a)\\noutput y | g.ir:2:10: unknown dtype 'f64'",
        "undefined input | graph g\\ninput a: f32[2, 2]\\ny = add(a, c)\\noutput y | g.ir:3:12: node 'y': input 'c' is not defined",
        "duplicate name | graph g\\ninput a: f32[2, 2]\\na = relu(a)\\noutput a | 'a' is already defined at line 2",
        "unknown attribute | graph g\\ninput a: f32[2, 2]\\ny = relu(a, alpha=2)\\noutput y | unknown attribute 'alpha'",
        "wrong arity | graph g\\ninput a: f32[2, 2]\\ny = matmul(a)\\noutput y | takes 2 inputs, got 1",
        "no output | graph g\\ninput a: f32[2, 2]\\ny = relu(a) | has no 'output' statement",
        "undefined output | graph g\\ninput a: f32[2, 2]\\ny = relu(a)\\noutput z | g.ir:4:8: output 'z' is not defined",
        "bad reshape | graph g\\ninput a: f32[2, 3]\\ny = reshape(a, shape=[4, 2])\\noutput y | has 8 elements, the input f32[2, 3] has 6",
        "non-last axis | graph g\\ninput a: f32[2, 3]\\ny = softmax(a, axis=0)\\noutput y | supports only the last axis",
        "bad split | graph g\\ninput a: f32[4] split=rows\\ny = relu(a)\\noutput y | only an input of rank 2 to 4 can be split",
        "bad activation | graph g\\ninput a: f32[2, 3]\\ninput b: f32[3, 3]\\ny = matmul(a, b, activation=swish)\\noutput y | activation must be one of",
    })
    void parseErrors(String name, String source, String expected) {
        CompileException e = assertThrows(CompileException.class, () -> IrParser.parse(source.replace("\\n", "\n"), "g.ir"));
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "all_gather not lowered | graph g\\ninput a: f32[2, 3]\\ny = all_gather(a)\\noutput y | code generation for it is not implemented yet",
        "rank 3 transpose | graph g\\ninput a: f32[512, 16, 16]\\ny = transpose(a, perm=[1, 2, 0])\\noutput y | copied element by element",
        "bad tier | graph g\\ninput a: f32[2, 3]\\ny = relu(a)\\noutput y | optimisation level 7 does not exist",
        "split attention | graph g\\ninput x: f32[8, 4] split=rows\\ns = transpose(x)\\noutput s | would combine rows held by different sentrons",
        "split too tall | graph g\\ninput x: f32[600, 4] split=rows\\ns = matmul(x, x, transpose_b=true)\\noutput s | exceed one 256-row tile",
    })
    void compileErrors(String name, String source, String expected) {
        if (name.startsWith("split")) {
            CompileException e = assertThrows(CompileException.class,
                    () -> Compiler.compile(IrParser.parse(source.replace("\\n", "\n"), "g.ir"), 2, 2));
            assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
            return;
        }
        int opt = name.equals("bad tier") ? 7 : 2;
        CompileException e = assertThrows(CompileException.class,
                () -> Compiler.compile(IrParser.parse(source.replace("\\n", "\n"), "g.ir"), opt));
        assertTrue(e.getMessage().contains(expected), name + ": " + e.getMessage());
    }
}

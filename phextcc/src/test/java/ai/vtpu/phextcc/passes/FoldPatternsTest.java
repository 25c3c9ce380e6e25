package ai.vtpu.phextcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.vtpu.phextcc.ir.Graph;
import org.junit.jupiter.api.Test;

/** The folding pass: the IR before, the IR expected, and the cases where it must not apply. */
class FoldPatternsTest {
    private static final String HEAD = "graph g\ninput x: f32[2, 4, 8]\ninput k: f32[2, 5, 8]\ninput w: f32[8, 6]\ninput v: f32[2, 4, 8]\ninput q: f32[2, 4, 5]\n";
    private final FoldPatterns pass = new FoldPatterns();

    private static Graph parse(String body) {
        return Shapes.parse(HEAD, body);
    }

    private static String shape(Graph g) {
        return Shapes.of(g);
    }

    @Test
    void aSigmoidGateOnItsOwnInputBecomesSilu() {
        Graph before = parse("h = matmul(x, w)\ns = sigmoid(h)\ny = mul(s, h)\noutput y\n");
        Graph after = pass.run(before);
        assertEquals("h=matmul[x, w];y=silu[h];", shape(after));
        assertEquals(before.type("y"), after.type("y"));
        // and the epilogue fusion then takes it into the matmul
        assertEquals("y=matmul[x, w]+silu;", shape(new FuseMatmulEpilogue().run(after)));
    }

    @Test
    void aTransposeOfTheLastTwoAxesBecomesTransposeB() {
        Graph after = pass.run(parse("kt = transpose(k, perm=[0, 2, 1])\ns = matmul(x, kt)\noutput s\n"));
        assertEquals("s=matmul[x, k]^T;", shape(after));
        Graph twice = pass.run(parse("kt = transpose(k, perm=[0, 2, 1])\ns = matmul(q, kt, transpose_b=true)\noutput s\n"));
        assertEquals("s=matmul[q, k];", shape(twice));
    }

    @Test
    void doesNotApplyWhenTheIntermediateIsUsedElsewhereOrTheShapeDiffers() {
        Graph used = parse("h = matmul(x, w)\ns = sigmoid(h)\ny = mul(s, h)\noutput y, s\n");
        assertSame(used, pass.run(used), "s is an output");
        Graph other = parse("s = sigmoid(v)\ny = mul(s, x)\noutput y\n");
        assertSame(other, pass.run(other), "the gate is on another value");
        Graph leading = parse("kt = transpose(k, perm=[2, 1, 0])\nz = transpose(kt, perm=[2, 1, 0])\ns = matmul(x, z, transpose_b=true)\n"
                + "output s\n");
        assertSame(leading, pass.run(leading), "perm [2, 1, 0] moves a leading axis");
    }
}

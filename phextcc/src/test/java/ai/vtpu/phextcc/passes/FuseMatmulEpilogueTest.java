package ai.vtpu.phextcc.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.vtpu.phextcc.ir.Graph;
import ai.vtpu.phextcc.ir.OpKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fusion pass: the IR before, the IR expected, and the cases where it must not apply. */
class FuseMatmulEpilogueTest {
    private static final String HEAD = "graph g\ninput x: f32[4, 8]\ninput w: f32[8, 6]\ninput b: f32[6]\n";
    private final FuseMatmulEpilogue pass = new FuseMatmulEpilogue();

    private static Graph parse(String body) {
        return Shapes.parse(HEAD, body);
    }

    private static String shape(Graph g) {
        return Shapes.of(g);
    }

    @Test
    void matmulBiasAndActivationBecomeOneGemm() {
        Graph before = parse("h = matmul(x, w)\nhb = add(h, b)\ny = gelu(hb)\noutput y\n");
        Graph after = pass.run(before);
        assertEquals("y=gemm[x, w, b]+gelu;", shape(after));
        assertEquals(before.type("y"), after.type("y"));
        assertEquals(List.of("y"), after.outputs());
    }

    @Test
    void anActivationAloneFusesIntoTheMatmul() {
        Graph after = pass.run(parse("h = matmul(x, w, transpose_b=false)\ny = relu(h)\noutput y\n"));
        assertEquals(OpKind.MATMUL, after.nodes().get(0).op());
        assertEquals("y=matmul[x, w]+relu;", shape(after));
    }

    @Test
    void doesNotApplyWhenTheIntermediateIsUsedElsewhereOrIsAnOutput() {
        Graph used = parse("h = matmul(x, w)\ny = relu(h)\nz = add(h, b)\noutput y, z\n");
        assertSame(used, pass.run(used), "h feeds two nodes");
        Graph output = parse("h = matmul(x, w)\ny = relu(h)\noutput y, h\n");
        assertSame(output, pass.run(output), "h is an output");
        Graph notBias = parse("h = matmul(x, w)\nb2 = relu(h)\ny = add(b2, b2)\noutput y\n");
        assertEquals("b2=matmul[x, w]+relu;y=add[b2, b2];", shape(pass.run(notBias)), "add of two full tensors is not a bias");
    }

    @Test
    void aResidualAGateAndAScaleBecomeTheEpilogueOnEitherSideWhereTheOpCommutes() {
        String head = "graph g\ninput x: f32[4, 8]\ninput w: f32[8, 8]\ninput r: f32[4, 8]\ninput s: f32[1]\n";
        assertEquals("y=matmul[x, w, r] then add;", Shapes.of(pass.run(Shapes.parse(head, "h = matmul(x, w)\ny = add(r, h)\noutput y\n"))));
        assertEquals("y=matmul[x, w, r]+silu then mul;",
                Shapes.of(pass.run(Shapes.parse(head, "h = matmul(x, w)\na = silu(h)\ny = mul(a, r)\noutput y\n"))));
        assertEquals("y=matmul[x, w, s] then div;", Shapes.of(pass.run(Shapes.parse(head, "h = matmul(x, w)\ny = div(h, s)\noutput y\n"))));
        // sub and div fuse only with the product first; a value that would widen the result does not fuse.
        Graph reversed = Shapes.parse(head, "h = matmul(x, w)\ny = sub(r, h)\noutput y\n");
        assertSame(reversed, pass.run(reversed));
        Graph widening = Shapes.parse("graph g\ninput x: f32[1, 8]\ninput w: f32[8, 8]\ninput r: f32[4, 8]\n",
                "h = matmul(x, w)\ny = add(h, r)\noutput y\n");
        assertSame(widening, pass.run(widening));
        // After an epilogue nothing more fuses: the activation below applies to the product, not the gate.
        assertEquals("y=matmul[x, w, r] then mul;z=relu[y];",
                Shapes.of(pass.run(Shapes.parse(head, "h = matmul(x, w)\ny = mul(h, r)\nz = relu(y)\noutput z\n"))));
    }

    /** gemm is 2-D: the bias of a batched product (a transformer's projection bias) becomes its epilogue. */
    @Test
    void theBiasOfABatchedProductBecomesAnEpilogueNotAGemm() {
        Graph g = Shapes.parse("graph g\ninput x: f32[3, 4, 8]\ninput w: f32[8, 8]\ninput b: f32[8]\n",
                "h = matmul(x, w)\ny = add(h, b)\nz = gelu(y)\noutput z\n");
        assertEquals("y=matmul[x, w, b] then add;z=gelu[y];", Shapes.of(pass.run(g)));
    }
}

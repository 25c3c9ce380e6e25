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
}

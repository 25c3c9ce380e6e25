package ai.vtpu.phextcc.passes;

import ai.vtpu.phextcc.codegen.CodeGen;
import java.util.List;

/**
 * The tiers, each a named list of passes and code-generation options (docs/COMPILER.md):
 * <ul>
 * <li>-O0: no graph passes; one op per SIW, in order.
 * <li>-O1: pattern folding (silu, transposed matmul operands), matmul epilogue fusion; ops packed into the D, S and C slots by list scheduling.
 * <li>-O2: -O1 plus double buffering: two register sets alternate between tile steps, so the gathers of
 *     step k+1 move ahead of the compute of step k.
 * <li>-O3: -O2 plus the locality passes (output tiles in Morton order; chains of page-wise nodes lowered page
 *     by page) and prefetch insertion.
 * </ul>
 */
public final class Pipeline {
    private static final List<Pass> ALL = List.of(new FoldPatterns(), new FuseMatmulEpilogue());

    private Pipeline() {
    }

    public static List<Pass> graphPasses(int optLevel) {
        return ALL.stream().filter(p -> p.minOptLevel() <= optLevel).toList();
    }

    public static CodeGen.Options codegenOptions(int optLevel) {
        return new CodeGen.Options(optLevel == 0, optLevel >= 2, optLevel >= 3, optLevel >= 3, optLevel >= 3, optLevel >= 3, 1, 1,
                CodeGen.Options.LOOP_STEPS);
    }
}

package ai.vtpu.isa.asm;

import ai.vtpu.isa.program.Program;

/** An assembled program and where its SIWs came from. */
public record Assembly(Program program, SourceMap sourceMap) {
}

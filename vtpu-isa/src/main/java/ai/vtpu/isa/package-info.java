/**
 * The vTPU instruction set: SIW encoding ({@code siw}), phext coordinates ({@code coord}), the
 * {@code .siw} program file ({@code program}), the {@code .siwa} assembler and disassembler
 * ({@code asm}) and the validator ({@code verify}). Normative description: docs/ISA.md. This module
 * depends on nothing but {@code java.*}.
 */
package ai.vtpu.isa;

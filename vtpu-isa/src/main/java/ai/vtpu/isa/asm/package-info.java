/** The {@code .siwa} assembly language: assembler and disassembler (docs/ISA.md §6). */
package ai.vtpu.isa.asm;

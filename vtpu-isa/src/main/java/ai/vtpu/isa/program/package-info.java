/** Programs and the {@code .siw} file: header, declarations (tensors, groups) and code (docs/ISA.md §5). */
package ai.vtpu.isa.program;

/** The program validator: shapes, hazards, control flow and declarations (docs/ISA.md §7). */
package ai.vtpu.isa.verify;

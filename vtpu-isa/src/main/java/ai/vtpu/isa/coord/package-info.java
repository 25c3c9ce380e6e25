/** Phext coordinates (nine scroll dimensions) and addresses (plus line and column): docs/ISA.md §2. */
package ai.vtpu.isa.coord;

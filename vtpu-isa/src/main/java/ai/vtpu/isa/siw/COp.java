package ai.vtpu.isa.siw;

/** The C slot (docs/ISA.md §3.4, §4.3): communication ops and control flow. */
public sealed interface COp extends Op permits COp.Nop, CComm, CBranch {

    /** The tag this op signals when it retires, 0..7, or -1 for none (control flow never signals). */
    int signal();

    COp NOP = new Nop();

    /** The C slot's NOP. */
    record Nop() implements COp {
        @Override
        public Opcode opcode() {
            return Opcode.C_NOP;
        }

        @Override
        public int signal() {
            return -1;
        }

        @Override
        public long reads() {
            return 0;
        }

        @Override
        public long writes() {
            return 0;
        }
    }
}

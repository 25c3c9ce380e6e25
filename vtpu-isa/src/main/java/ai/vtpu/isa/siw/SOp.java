package ai.vtpu.isa.siw;

/** The S slot (docs/ISA.md §3.3, §4.2): one record per operand form. */
public sealed interface SOp extends Op permits SOp.Nop, STile, SCset, SIndex, SScalar, SPage {
    /** Flag bit 0: SCATTER accumulates ({@code add}); INDEX/SADD/SMUL take a register ({@code REG}). */
    int ADD = 1;
    int REG = 1;
    /** Flag bit 1: GATHER/SCATTER/PREFETCH transposed. */
    int T = 1 << 1;

    /** The tag this op signals when it retires, 0..7, or -1 for none. */
    int signal();

    int flags();

    SOp NOP = new Nop();

    /** The S slot's NOP. */
    record Nop() implements SOp {
        @Override
        public Opcode opcode() {
            return Opcode.S_NOP;
        }

        @Override
        public int signal() {
            return -1;
        }

        @Override
        public int flags() {
            return 0;
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

package ai.vtpu.isa.asm;

import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.program.GroupDecl;
import ai.vtpu.isa.program.Program;
import ai.vtpu.isa.program.TensorDecl;
import ai.vtpu.isa.siw.CBranch;
import ai.vtpu.isa.siw.CComm;
import ai.vtpu.isa.siw.COp;
import ai.vtpu.isa.siw.DOp;
import ai.vtpu.isa.siw.DType;
import ai.vtpu.isa.siw.Predicate;
import ai.vtpu.isa.siw.ReduceOp;
import ai.vtpu.isa.siw.SCset;
import ai.vtpu.isa.siw.SIndex;
import ai.vtpu.isa.siw.SOp;
import ai.vtpu.isa.siw.SPage;
import ai.vtpu.isa.siw.SScalar;
import ai.vtpu.isa.siw.STile;
import ai.vtpu.isa.siw.Siw;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Prints a program as {@code .siwa} text that assembles back to the same bytes (docs/ISA.md §6): every
 * field an op uses is printed, labels {@code L<index>} mark branch targets.
 */
public final class Disassembler {
    private Disassembler() {
    }

    public static String disassemble(Program p) {
        StringBuilder sb = new StringBuilder();
        sb.append("; vTPU SIW program, format ").append(ai.vtpu.isa.program.ProgramFile.MAJOR).append('.')
                .append(ai.vtpu.isa.program.ProgramFile.MINOR).append(", ").append(p.code().size()).append(" SIWs\n");
        if (p.writesFirst()) {
            sb.append(".writes_first\n");
        }
        for (TensorDecl t : p.tensors()) {
            sb.append(Syntax.tensorDirective(t)).append('\n');
        }
        for (GroupDecl g : p.groups()) {
            sb.append(".group ").append(g.id()).append(" = ");
            for (int i = 0; i < g.members().size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(g.members().get(i));
            }
            sb.append('\n');
        }
        TreeSet<Long> targets = new TreeSet<>();
        for (Siw siw : p.code()) {
            if (siw.c() instanceof CBranch b && b.mayJump() && b.target() < p.code().size()) {
                targets.add(b.target());
            }
        }
        for (int i = 0; i < p.code().size(); i++) {
            if (targets.contains((long) i)) {
                sb.append(label(i)).append(":\n");
            }
            sb.append("    ").append(siw(p.code().get(i), p, targets)).append('\n');
        }
        return sb.toString();
    }

    private static String label(long i) {
        return "L" + i;
    }

    /** One SIW as one line of assembly; an all-NOP SIW prints as {@code D: NOP}. */
    public static String siw(Siw siw, Program p, java.util.Set<Long> targets) {
        List<String> parts = new ArrayList<>();
        if (siw.waitS() != 0 || siw.waitC() != 0) {
            List<String> tags = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                if ((siw.waitS() & (1 << t)) != 0) {
                    tags.add("s" + t);
                }
            }
            for (int t = 0; t < 8; t++) {
                if ((siw.waitC() & (1 << t)) != 0) {
                    tags.add("c" + t);
                }
            }
            parts.add("wait " + String.join(", ", tags));
        }
        if (siw.sync()) {
            parts.add("sync");
        }
        if (!siw.d().opcode().isNop()) {
            parts.add("D: " + d(siw.d()));
        }
        if (!siw.s().opcode().isNop()) {
            parts.add("S: " + s(siw.s(), p) + signal(siw.s().signal()));
        }
        if (!siw.c().opcode().isNop()) {
            parts.add("C: " + c(siw.c(), targets) + signal(siw.c().signal()));
        }
        return parts.isEmpty() ? "D: NOP" : String.join(" | ", parts);
    }

    private static String signal(int tag) {
        return tag < 0 ? "" : " ^" + tag;
    }

    private static String t(int r) {
        return "T" + r;
    }

    private static String d(DOp op) {
        String m = op.opcode().mnemonic();
        return switch (op.opcode().form()) {
            case NONE -> m;
            case UNARY -> m + " " + t(op.d()) + ", " + t(op.a());
            case FILL -> m + " " + t(op.d()) + ", " + Syntax.shape(op.rows(), op.cols()) + ", " + Syntax.floatText(op.immBits());
            case CVT -> m + " " + t(op.d()) + ", " + t(op.a()) + ", " + DType.ofCode(op.mode()).label();
            case MMA -> m + " " + t(op.d()) + ", " + t(op.a()) + ", " + t(op.b())
                    + (op.has(DOp.TA) ? ", ta" : "") + (op.has(DOp.TB) ? ", tb" : "") + (op.has(DOp.ZERO) ? ", zero" : "");
            case BINARY, CMP -> {
                String rhs = op.has(DOp.IMM) ? Syntax.floatText(op.immBits()) : t(op.b());
                String pred = op.opcode().form() == ai.vtpu.isa.siw.Form.CMP ? ", " + Predicate.ofCode(op.mode()).label() : "";
                yield m + " " + t(op.d()) + ", " + t(op.a()) + ", " + rhs + pred;
            }
            case TERNARY -> m + " " + t(op.d()) + ", " + t(op.a()) + ", " + t(op.b()) + ", " + t(op.c());
            case REDUCE -> m + " " + t(op.d()) + ", " + t(op.a()) + (op.has(DOp.COLS) ? ", col" : ", row");
            case NORM -> m + " " + t(op.d()) + ", " + t(op.a()) + ", " + Syntax.floatText(op.immBits());
            default -> throw new IllegalStateException(op.opcode() + " in the D slot");
        };
    }

    private static String s(SOp op, Program p) {
        String m = op.opcode().mnemonic();
        return switch (op) {
            case SOp.Nop n -> m;
            case STile x -> {
                StringBuilder sb = new StringBuilder(m).append(' ');
                if (op.opcode() != ai.vtpu.isa.siw.Opcode.PREFETCH) {
                    sb.append(t(x.tile())).append(", ");
                }
                sb.append('P').append(x.coord()).append(", ").append(Syntax.shape(x.rows(), x.cols()));
                if (x.lineStride() != 1 || x.colStride() != 1) {
                    sb.append(", stride=").append(x.lineStride()).append(':').append(x.colStride());
                }
                if (x.transposed()) {
                    sb.append(", t");
                }
                if ((x.flags() & SOp.ADD) != 0) {
                    sb.append(", add");
                }
                yield sb.toString();
            }
            case SCset x -> m + " P" + x.coord() + ", " + address(x.address(), p);
            case SIndex x -> m + " P" + x.dst() + ", P" + x.src() + ", " + x.dim().label() + ", "
                    + (x.usesRegister() ? "R" + x.reg() + (x.imm() != 0 ? ", " + x.imm() : "") : Long.toString(x.imm()));
            case SScalar x -> switch (x.opcode()) {
                case SLI -> m + " R" + x.dst() + ", " + x.imm();
                case SID, SCOUNT -> m + " R" + x.dst();
                default -> m + " R" + x.dst() + ", R" + x.a() + ", " + (x.usesRegister() ? "R" + x.b() : Long.toString(x.imm()));
            };
            case SPage x -> x.opcode() == ai.vtpu.isa.siw.Opcode.ALLOC
                    ? m + " P" + x.coord() + ", " + x.dtype().label() + ", " + Syntax.shape(x.lines(), x.columns())
                    : m + " P" + x.coord();
        };
    }

    /** A tensor's name where the address is its first element or an element of its first page. */
    private static String address(PhextAddress a, Program p) {
        for (TensorDecl t : p.tensors()) {
            if (t.coord().equals(a.coord())) {
                return a.line() == 1 && a.column() == 1 ? t.name() : t.name() + "@" + a.line() + ":" + a.column();
            }
        }
        return Syntax.address(a);
    }

    private static String c(COp op, java.util.Set<Long> targets) {
        String m = op.opcode().mnemonic();
        return switch (op) {
            case COp.Nop n -> m;
            case CComm x -> switch (x.opcode()) {
                case SEND -> m + " " + t(x.tile()) + ", " + x.peer() + ", " + x.channel();
                case RECV -> m + " " + t(x.tile()) + ", " + x.peer() + ", " + x.channel() + ", " + Syntax.shape(x.rows(), x.cols());
                case BAR -> m + " " + x.group();
                case FENCE -> m;
                case REDUCE -> m + " " + t(x.tile()) + ", " + x.group() + ", " + ReduceOp.ofCode(x.mode()).label();
                case CAST -> m + " " + t(x.tile()) + ", " + x.group() + ", " + x.peer() + ", " + Syntax.shape(x.rows(), x.cols());
                case ALLGATHER -> m + " " + t(x.tile()) + ", " + t(x.src()) + ", " + x.group() + ", "
                        + Syntax.shape(x.rows(), x.cols());
                default -> throw new IllegalStateException(x.opcode() + " in the C slot");
            };
            case CBranch x -> {
                String target = targets.contains(x.target()) ? label(x.target()) : Long.toString(x.target());
                yield switch (x.opcode()) {
                    case LOOP, BRZ, BRNZ -> m + " R" + x.reg() + ", " + target;
                    case JMP -> m + " " + target;
                    default -> m;
                };
            }
        };
    }
}

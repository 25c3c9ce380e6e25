package ai.vtpu.isa.program;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import java.util.HashSet;
import java.util.List;

/** A sentron group 1..255 and its members in rank order (docs/ISA.md §4.3, §5.2). */
public record GroupDecl(int id, List<Integer> members) {

    public GroupDecl {
        if (id < 1 || id > 255) {
            throw new IsaException(ErrorCode.BAD_DECLARATION, "group id " + id + ", expected 1..255 (0 is all sentrons)");
        }
        members = List.copyOf(members);
        if (members.isEmpty() || members.size() > 0xFFFF) {
            throw new IsaException(ErrorCode.BAD_DECLARATION, "group " + id + " has " + members.size()
                    + " members, expected 1..65535");
        }
        var seen = new HashSet<Integer>();
        for (int m : members) {
            if (m < 0 || m > 0xFFFF) {
                throw new IsaException(ErrorCode.BAD_DECLARATION, "group " + id + ": sentron " + m + ", expected 0..65535");
            }
            if (!seen.add(m)) {
                throw new IsaException(ErrorCode.BAD_DECLARATION, "group " + id + " lists sentron " + m + " twice");
            }
        }
    }
}

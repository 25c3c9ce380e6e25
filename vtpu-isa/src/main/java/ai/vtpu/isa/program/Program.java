package ai.vtpu.isa.program;

import ai.vtpu.isa.siw.Siw;
import java.util.List;
import java.util.Optional;

/** A SIW program: its declarations and its code. The in-memory form of a {@code .siw} file. */
public record Program(List<TensorDecl> tensors, List<GroupDecl> groups, List<Siw> code) {

    public Program {
        tensors = List.copyOf(tensors);
        groups = List.copyOf(groups);
        code = List.copyOf(code);
    }

    public Optional<TensorDecl> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<GroupDecl> group(int id) {
        return groups.stream().filter(g -> g.id() == id).findFirst();
    }
}

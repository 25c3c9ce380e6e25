package ai.vtpu.isa.program;

import ai.vtpu.isa.siw.Siw;
import java.util.List;
import java.util.Optional;

/**
 * A SIW program: its declarations and its code. The in-memory form of a {@code .siw} file.
 *
 * @param writesFirst the program's promise that it writes every element of its output and scratch tensors
 *     before it reads that element, in every run (header flag {@code WRITES_FIRST}, docs/ISA.md §5.1): a
 *     runtime that keeps the program loaded then need not zero-fill those pages again between runs
 */
public record Program(List<TensorDecl> tensors, List<GroupDecl> groups, List<Siw> code, boolean writesFirst) {

    public Program {
        tensors = List.copyOf(tensors);
        groups = List.copyOf(groups);
        code = List.copyOf(code);
    }

    public Program(List<TensorDecl> tensors, List<GroupDecl> groups, List<Siw> code) {
        this(tensors, groups, code, false);
    }

    public Program withWritesFirst(boolean promise) {
        return new Program(tensors, groups, code, promise);
    }

    public Optional<TensorDecl> tensor(String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<GroupDecl> group(int id) {
        return groups.stream().filter(g -> g.id() == id).findFirst();
    }
}

package ai.vtpu.isa.program;

import ai.vtpu.isa.ErrorCode;
import ai.vtpu.isa.IsaException;
import ai.vtpu.isa.coord.Dimension;
import ai.vtpu.isa.coord.PhextCoord;
import ai.vtpu.isa.siw.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A named tensor of a program: dtype, shape, where its first page lives, its role and split
 * (docs/ISA.md §5.2). The last two dims are a page's lines and columns; leading dims span scrolls
 * (rank 3) and sections (rank 4).
 */
public record TensorDecl(String name, DType dtype, List<Integer> shape, PhextCoord coord, Role role, Split split) {

    public static final int MAX_NAME = 64;
    public static final int MAX_RANK = 4;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public TensorDecl {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
            throw bad(name, "name must match [A-Za-z_][A-Za-z0-9_]* and have 1.." + MAX_NAME + " characters");
        }
        if (dtype == null || coord == null || role == null || split == null || shape == null) {
            throw bad(name, "dtype, shape, coordinate, role and split are all required");
        }
        shape = List.copyOf(shape);
        if (shape.isEmpty() || shape.size() > MAX_RANK) {
            throw bad(name, "rank is " + shape.size() + ", expected 1.." + MAX_RANK);
        }
        for (int i = 0; i < shape.size(); i++) {
            if (shape.get(i) < 1) {
                throw bad(name, "dim " + i + " is " + shape.get(i) + ", expected >= 1");
            }
        }
        if (split == Split.PAGES && shape.size() < 3) {
            throw bad(name, "split=pages divides the first dim of a tensor of rank 3 or 4; this one has rank " + shape.size());
        }
        if (shape.size() >= 3 && (long) coord.scroll() + shape.get(shape.size() - 3) - 1 > PhextCoord.MAX) {
            throw bad(name, "its " + shape.get(shape.size() - 3) + " pages starting at scroll " + coord.scroll()
                    + " run past scroll " + PhextCoord.MAX);
        }
        if (shape.size() == 4 && (long) coord.section() + shape.get(0) - 1 > PhextCoord.MAX) {
            throw bad(name, "its " + shape.get(0) + " sections starting at section " + coord.section()
                    + " run past section " + PhextCoord.MAX);
        }
    }

    private static IsaException bad(String name, String what) {
        return new IsaException(ErrorCode.BAD_DECLARATION, "tensor " + name + ": " + what);
    }

    public int rank() {
        return shape.size();
    }

    /** Lines of each page: the second-to-last dim (1 for rank 1). */
    public int pageLines() {
        return rank() == 1 ? 1 : shape.get(rank() - 2);
    }

    /** Columns of each page: the last dim. */
    public int pageColumns() {
        return shape.get(rank() - 1);
    }

    /** Element count of the whole tensor. */
    public long elements() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The scroll coordinates of the tensor's pages, in row-major order of the leading dims. */
    public List<PhextCoord> pages() {
        int sections = rank() == 4 ? shape.get(0) : 1;
        int scrolls = rank() >= 3 ? shape.get(rank() - 3) : 1;
        List<PhextCoord> out = new ArrayList<>(sections * scrolls);
        for (int i = 0; i < sections; i++) {
            PhextCoord sec = coord.with(Dimension.SECTION, coord.section() + i);
            for (int j = 0; j < scrolls; j++) {
                out.add(sec.with(Dimension.SCROLL, coord.scroll() + j));
            }
        }
        return out;
    }

    /** Pages per index of the first dim: the unit split=pages divides (1 for rank 3, shape[1] for rank 4). */
    public int pagesPerLead() {
        return rank() == 4 ? shape.get(1) : 1;
    }

    /** The shape in declaration syntax, e.g. {@code f32[256, 256]}. */
    public String typeText() {
        StringBuilder sb = new StringBuilder(dtype.label()).append('[');
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(shape.get(i));
        }
        return sb.append(']').toString();
    }
}

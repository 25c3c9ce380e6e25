package ai.vtpu.phextcc.ir;

import ai.vtpu.isa.siw.DType;
import java.util.List;

/** The type of an IR value: element type and shape (rank 0 is a scalar). */
public record TensorType(DType dtype, List<Integer> shape) {
    public TensorType {
        shape = List.copyOf(shape);
    }

    public int rank() {
        return shape.size();
    }

    public int dim(int axis) {
        return shape.get(axis < 0 ? shape.size() + axis : axis);
    }

    public long elements() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Rows of each matrix (page): the second-to-last dim; 1 for rank 1. */
    public int rows() {
        return rank() == 1 ? 1 : shape.get(rank() - 2);
    }

    /** How many matrices (pages): the product of the dims before the last two; 1 for rank 1 and 2. */
    public int pages() {
        int p = 1;
        for (int i = 0; i < rank() - 2; i++) {
            p *= shape.get(i);
        }
        return p;
    }

    public int cols() {
        return shape.get(rank() - 1);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype.label()).append('[');
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(shape.get(i));
        }
        return sb.append(']').toString();
    }
}

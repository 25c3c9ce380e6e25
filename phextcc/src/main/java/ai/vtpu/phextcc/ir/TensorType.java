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

    /** The shape as a matrix: rank 1 [n] is [1, n], rank 2 as is. */
    public int rows() {
        return rank() == 1 ? 1 : shape.get(0);
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

package ai.vtpu.runtime.exec;

import java.util.List;

/** A whole tensor on the host side of a run: its shape and fp32 values, row-major. */
public record HostTensor(List<Integer> shape, float[] data) {
    public HostTensor {
        shape = List.copyOf(shape);
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + shape + " needs " + n + " values, got " + data.length);
        }
    }
}

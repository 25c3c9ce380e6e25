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

    /** Standard-normal values from {@code rnd}, in row-major order (random inputs for runs, tests and jobs). */
    public static HostTensor gaussian(java.util.Random rnd, List<Integer> shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return new HostTensor(shape, v);
    }
}

package ai.vtpu.cli;

import ai.vtpu.phextcc.CompileException;
import ai.vtpu.phextcc.onnx.OnnxModel;
import ai.vtpu.phextcc.onnx.OnnxWriter;
import ai.vtpu.runtime.VtpuRuntimeException;
import ai.vtpu.runtime.exec.HostTensor;
import ai.vtpu.runtime.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Tensor files the CLI reads and writes, chosen by extension: NumPy {@code .npy} or ONNX TensorProto {@code .pb}. */
final class TensorFiles {
    private TensorFiles() {
    }

    static boolean isTensorFile(Path f) {
        String s = f.getFileName().toString();
        return s.endsWith(".npy") || s.endsWith(".pb");
    }

    static HostTensor read(Path f) {
        if (!f.getFileName().toString().endsWith(".pb")) {
            return Npy.read(f);
        }
        OnnxModel.Tensor t;
        try {
            t = OnnxModel.readTensor(f);
        } catch (CompileException e) {
            throw new VtpuRuntimeException(e.getMessage());
        }
        // float32, float16 and double widen or round to f32 exactly as a cast would; integers are refused
        // because the runtime computes in f32 and would silently change their meaning.
        if (t.dataType() != 1 && t.dataType() != 10 && t.dataType() != 11) {
            throw new VtpuRuntimeException(f + ": TensorProto data_type " + t.dataType()
                    + "; expected a floating-point tensor (1 float, 10 float16 or 11 double)");
        }
        List<Integer> shape = new ArrayList<>();
        for (long d : t.dims()) {
            shape.add((int) d);
        }
        if (shape.isEmpty()) {
            shape.add(1);
        }
        float[] v = new float[t.values().length];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) t.values()[i];
        }
        return new HostTensor(shape, v);
    }

    static void write(Path f, String name, HostTensor t) {
        if (!f.getFileName().toString().endsWith(".pb")) {
            Npy.write(f, t);
            return;
        }
        long[] dims = t.shape().stream().mapToLong(Integer::longValue).toArray();
        try {
            Files.write(f, OnnxWriter.tensorProto(name, t.data(), dims));
        } catch (IOException e) {
            throw new VtpuRuntimeException(f + ": cannot write (" + e.getMessage() + ")");
        }
    }
}

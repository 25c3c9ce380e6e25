package ai.vtpu.runtime.kernel;

import ai.vtpu.isa.siw.Opcode;
import ai.vtpu.isa.siw.Erf;
import ai.vtpu.isa.siw.Predicate;

/**
 * The reference: plain loops, double precision where it matters, no Vector API. Slow by design; it
 * defines what the D ops compute.
 */
public final class ScalarKernels implements Kernels {

    @Override
    public void mma(float[] a, int ar, int ac, boolean ta, float[] b, int br, int bc, boolean tb, float[] c, boolean zero) {
        int m = ta ? ac : ar;
        int k = ta ? ar : ac;
        int n = tb ? br : bc;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = zero ? 0 : c[i * n + j];
                for (int p = 0; p < k; p++) {
                    float x = ta ? a[p * ac + i] : a[i * ac + p];
                    float y = tb ? b[j * bc + p] : b[p * bc + j];
                    s += (double) x * y;
                }
                c[i * n + j] = (float) s;
            }
        }
    }

    static float apply(Opcode op, float x) {
        return switch (op) {
            case MOV -> x;
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case RELU -> x > 0 ? x : (Float.isNaN(x) ? x : 0f);
            case GELU -> (float) (0.5 * x * (1 + Erf.erf(x / Math.sqrt(2))));
            case SILU -> (float) (x / (1 + Math.exp(-(double) x)));
            case SIGMOID -> (float) (1 / (1 + Math.exp(-(double) x)));
            case TANH -> (float) Math.tanh(x);
            case EXP -> (float) Math.exp(x);
            case LOG -> (float) Math.log(x);
            case SQRT -> (float) Math.sqrt(x);
            case RSQRT -> (float) (1 / Math.sqrt(x));
            case RECIP -> 1f / x;
            case ERF -> (float) Erf.erf(x);
            default -> throw new IllegalArgumentException(op + " is not a unary op");
        };
    }

    static float apply(Opcode op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case POW -> (float) Math.pow(x, y);
            default -> throw new IllegalArgumentException(op + " is not a binary op");
        };
    }

    static boolean test(Predicate p, float x, float y) {
        return switch (p) {
            case EQ -> x == y;
            case NE -> x != y;
            case LT -> x < y;
            case LE -> x <= y;
            case GT -> x > y;
            case GE -> x >= y;
        };
    }

    /** Index of element (i, j) of an operand broadcast from br x bc. */
    static int at(int i, int j, int br, int bc) {
        return (br == 1 ? 0 : i) * bc + (bc == 1 ? 0 : j);
    }

    @Override
    public void unary(Opcode op, float[] a, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = apply(op, a[i]);
        }
    }

    @Override
    public void binary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                d[i * cols + j] = apply(op, a[i * cols + j], b[at(i, j, br, bc)]);
            }
        }
    }

    @Override
    public void binaryImm(Opcode op, float[] a, float imm, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = apply(op, a[i], imm);
        }
    }

    @Override
    public void compare(Predicate p, float[] a, int rows, int cols, float[] b, int br, int bc, float[] d) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                d[i * cols + j] = test(p, a[i * cols + j], b[at(i, j, br, bc)]) ? 1f : 0f;
            }
        }
    }

    @Override
    public void compareImm(Predicate p, float[] a, float imm, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = test(p, a[i], imm) ? 1f : 0f;
        }
    }

    @Override
    public void ternary(Opcode op, float[] a, int rows, int cols, float[] b, int br, int bc, float[] c, int cr, int cc, float[] d) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float x = a[i * cols + j];
                float y = b[at(i, j, br, bc)];
                float z = c[at(i, j, cr, cc)];
                d[i * cols + j] = op == Opcode.FMA ? Math.fma(x, y, z) : (x != 0 ? y : z);
            }
        }
    }

    @Override
    public void reduce(Opcode op, boolean columns, float[] a, int rows, int cols, float[] d) {
        int outer = columns ? cols : rows;
        int inner = columns ? rows : cols;
        for (int o = 0; o < outer; o++) {
            double acc = op == Opcode.REDSUM ? 0 : (op == Opcode.REDMAX ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY);
            for (int k = 0; k < inner; k++) {
                float x = columns ? a[k * cols + o] : a[o * cols + k];
                acc = switch (op) {
                    case REDSUM -> acc + x;
                    case REDMAX -> Math.max(acc, x);
                    case REDMIN -> Math.min(acc, x);
                    default -> throw new IllegalArgumentException(op + " is not a reduction");
                };
            }
            d[o] = (float) acc;
        }
    }

    @Override
    public void rowwise(Opcode op, float[] a, int rows, int cols, float eps, float[] d) {
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            switch (op) {
                case SOFTMAX -> {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < cols; j++) {
                        max = Math.max(max, a[o + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < cols; j++) {
                        sum += Math.exp(a[o + j] - max);
                    }
                    for (int j = 0; j < cols; j++) {
                        d[o + j] = (float) (Math.exp(a[o + j] - max) / sum);
                    }
                }
                case LNORM -> {
                    double mean = 0;
                    for (int j = 0; j < cols; j++) {
                        mean += a[o + j];
                    }
                    mean /= cols;
                    double var = 0;
                    for (int j = 0; j < cols; j++) {
                        double x = a[o + j] - mean;
                        var += x * x;
                    }
                    var /= cols;
                    double inv = 1 / Math.sqrt(var + eps);
                    for (int j = 0; j < cols; j++) {
                        d[o + j] = (float) ((a[o + j] - mean) * inv);
                    }
                }
                case RMSNORM -> {
                    double ms = 0;
                    for (int j = 0; j < cols; j++) {
                        ms += (double) a[o + j] * a[o + j];
                    }
                    double inv = 1 / Math.sqrt(ms / cols + eps);
                    for (int j = 0; j < cols; j++) {
                        d[o + j] = (float) (a[o + j] * inv);
                    }
                }
                default -> throw new IllegalArgumentException(op + " is not a row-wise op");
            }
        }
    }

    @Override
    public void transpose(float[] a, int rows, int cols, float[] d) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                d[j * rows + i] = a[i * cols + j];
            }
        }
    }
}

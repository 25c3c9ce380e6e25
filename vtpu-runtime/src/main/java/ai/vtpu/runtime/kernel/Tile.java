package ai.vtpu.runtime.kernel;

/**
 * A tile register: up to {@value #MAX} x {@value #MAX} fp32 values, row-major and compact (row stride =
 * cols). The backing array is allocated on first write and swapped, not copied, when an op computes
 * into scratch space.
 */
public final class Tile {
    public static final int MAX = 256;
    public static final int CAPACITY = MAX * MAX;

    private float[] data;
    private int rows;
    private int cols;
    /** Bumped on every write; a prepared form is valid while its version matches. */
    private int version;
    private float[] panels;
    private int panelsVersion = -1;

    /** The values; valid for {@code rows() * cols()} elements. */
    public float[] data() {
        return data;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public boolean isEmpty() {
        return rows == 0;
    }

    public int size() {
        return rows * cols;
    }

    /** Sets the shape and makes sure there is room; the values are not cleared. */
    public float[] shape(int r, int c) {
        if (data == null) {
            data = new float[CAPACITY];
        }
        rows = r;
        cols = c;
        version++;
        return data;
    }

    /** The tile as a matmul B operand in column panels, when the S pipe prepared it after the last write; else null. */
    public float[] panels() {
        return panelsVersion == version ? panels : null;
    }

    /** Space for the panel form; the caller fills it and then calls {@link #panelsReady()}. */
    float[] panelSpace() {
        if (panels == null) {
            panels = new float[CAPACITY + Tile.MAX * 64];
        }
        return panels;
    }

    void panelsReady() {
        panelsVersion = version;
    }

    /** Back to the empty state a register starts in; the storage is kept for the next write. */
    public void clear() {
        rows = 0;
        cols = 0;
        version++;
    }

    /** Exchanges contents and shapes with another tile (no copy). */
    public void swap(Tile other) {
        version++;
        other.version++;
        float[] d = data;
        data = other.data;
        other.data = d;
        int r = rows;
        rows = other.rows;
        other.rows = r;
        int c = cols;
        cols = other.cols;
        other.cols = c;
    }

    public void copyFrom(Tile src) {
        float[] d = shape(src.rows, src.cols);
        System.arraycopy(src.data, 0, d, 0, src.size());
    }

    /** A new compact array of the values, for tests and for moving tiles between sentrons. */
    public float[] toArray() {
        float[] out = new float[size()];
        if (data != null) {
            System.arraycopy(data, 0, out, 0, out.length);
        }
        return out;
    }

    public void set(int r, int c, float[] values) {
        float[] d = shape(r, c);
        System.arraycopy(values, 0, d, 0, r * c);
    }

    public String shapeText() {
        return rows + "x" + cols;
    }
}

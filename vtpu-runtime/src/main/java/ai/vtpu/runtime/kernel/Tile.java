package ai.vtpu.runtime.kernel;

/**
 * A tile register: up to {@value #MAX} x {@value #MAX} fp32 values, row-major and compact (row stride =
 * cols). The backing array is allocated on first write and swapped, not copied, when an op computes
 * into scratch space. A register may also borrow a read-only array (a cached tile of a weight page,
 * with its panel form): the first write then goes to the register's own storage, never to the borrowed one.
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
    /** True while {@link #data} is a borrowed read-only array; the register's own storage waits in {@link #spare}. */
    private boolean borrowed;
    private float[] spare;
    private float[] borrowedPanels;
    private int borrowedPanelsVersion = -1;

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

    /**
     * Sets the shape and makes sure there is room; the values are not cleared, except that a borrowed register
     * switches to its own storage without copying (an op that reads the old values first calls
     * {@link #writableData()}).
     */
    public float[] shape(int r, int c) {
        if (borrowed) {
            data = spare;
            spare = null;
            borrowed = false;
        }
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
        if (panelsVersion == version) {
            return panels;
        }
        return borrowedPanelsVersion == version ? borrowedPanels : null;
    }

    /**
     * Makes the register hold {@code values} ({@code r x c}, never written through this tile) and, when not
     * null, their panel form, without copying either.
     */
    public void borrow(float[] values, float[] valuePanels, int r, int c) {
        if (!borrowed) {
            spare = data;
            borrowed = true;
        }
        data = values;
        rows = r;
        cols = c;
        version++;
        borrowedPanels = valuePanels;
        borrowedPanelsVersion = valuePanels == null ? -1 : version;
    }

    /** The values, as an array the caller may write in place (a borrowed array is copied to own storage first). */
    public float[] writableData() {
        if (borrowed) {
            float[] values = data;
            System.arraycopy(values, 0, shape(rows, cols), 0, rows * cols);
        }
        return data;
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
        // The storage moves with the values: a borrowed array and the owner's own array go together.
        boolean b = borrowed;
        borrowed = other.borrowed;
        other.borrowed = b;
        float[] s = spare;
        spare = other.spare;
        other.spare = s;
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

package ai.vtpu.runtime.exec;

import ai.vtpu.isa.coord.PhextAddress;
import ai.vtpu.isa.siw.Regs;
import ai.vtpu.runtime.kernel.Tile;
import java.util.Arrays;

/** The register file of one sentron (docs/ISA.md §1.1). */
public final class Registers {
    public final Tile[] tiles = new Tile[Regs.TILES];
    public final long[] scalars = new long[Regs.SCALARS];
    public final PhextAddress[] coords = new PhextAddress[Regs.COORDS];
    /** The D pipe's scratch tile (not a register of the ISA): kept with the file so its storage is allocated once. */
    public final Tile scratch = new Tile();

    public Registers() {
        for (int i = 0; i < tiles.length; i++) {
            tiles[i] = new Tile();
        }
        Arrays.fill(coords, PhextAddress.ORIGIN);
    }

    /** The state every run starts from (empty tiles, zero scalars, coordinates at the origin), storage kept. */
    public void reset() {
        for (Tile t : tiles) {
            t.clear();
        }
        Arrays.fill(scalars, 0);
        Arrays.fill(coords, PhextAddress.ORIGIN);
    }
}

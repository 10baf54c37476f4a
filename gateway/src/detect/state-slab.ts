// Where the engine keeps its sensors' rule states: sensors watched by the same list of rules hold
// their states side by side in shared Float64Arrays ("slabs"), one fixed-size stretch (a slot)
// per sensor, each rule at a fixed offset within it. At 100 000 sensors a reading then touches
// the cache lines of its own numbers and nothing else: no array object per rule or per sensor,
// whose header and separate backing store would each cost a cache miss, and no garbage.

/** A slab holds this many slots at most; earlier slabs are smaller, so a small engine stays small. */
const MAX_SLOTS_PER_SLAB = 1024;
const FIRST_SLOTS = 4;

/** A sensor's stretch of a slab: its rule states start at `base`. */
export interface Slot {
  readonly slab: Float64Array;
  readonly base: number;
}

/** Slots of `stride` doubles; a released slot is handed out again before the slabs grow. */
export class StateSlab {
  private slab: Float64Array;
  private used = 0;
  private readonly free: Slot[] = [];

  constructor(readonly stride: number) {
    this.slab = new Float64Array(stride * FIRST_SLOTS);
  }

  /** A slot whose numbers the caller initialises (a released one still holds its old state). */
  take(): Slot {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    const slots = this.slab.length / this.stride;
    if (this.used === slots) {
      // A new slab rather than a bigger copy: slots already handed out stay where they are.
      this.slab = new Float64Array(this.stride * Math.min(slots * 2, MAX_SLOTS_PER_SLAB));
      this.used = 0;
    }
    return { slab: this.slab, base: this.stride * this.used++ };
  }

  release(slab: Float64Array, base: number): void {
    this.free.push({ slab, base });
  }
}

/**
 * The last accepted feed of a supplier, as the next import needs it: for each supplier SKU (by a 64-bit hash of it),
 * the digest of its row and its stock. An open-addressing hash table with each slot's fields side by side in one
 * buffer (24 bytes a slot: a lookup costs one cache line, where a field an array cost one each), kept as binary
 * values: a million rows load in milliseconds, where a million strings and objects read back from the database took
 * seconds and hundreds of megabytes. The supplier SKUs themselves stay in the database, read only for the rows that
 * changed or went missing.
 *
 * It is kept as a base (every row, 24 bytes each) and the changes since it: an import that changes 5 % of a million
 * rows writes 50,000 rows, not a million. The base is written again when the changes pass a quarter of it.
 *
 * Two SKUs share a 64-bit key with a chance of about one in 3·10^7 in a million-row feed; the import then sees one
 * row where there are two (a change may be taken for no change). Far below a supplier's own typing errors.
 */
export class FeedIndex {
  /** The slots' fields as 32-bit words (hi, lo, seen and state), as doubles (digest) and as floats (stock). */
  #words: Uint32Array;
  #numbers: Float64Array;
  #stocks: Float32Array;
  #mask: number;
  #size = 0;
  /** Keys of the base gone since it was written: the changes repeat them until the base is written again. */
  readonly #removed = new Map<string, FeedKey>();

  private constructor(capacity: number) {
    const buffer = new ArrayBuffer(capacity * SLOT_BYTES);
    this.#words = new Uint32Array(buffer);
    this.#numbers = new Float64Array(buffer);
    this.#stocks = new Float32Array(buffer);
    this.#mask = capacity - 1;
  }

  /** An empty index with room for `rows` rows (kept at most half full, so a probe ends soon). */
  static withRoomFor(rows: number): FeedIndex {
    return new FeedIndex(capacityFor(rows));
  }

  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#mask + 1;
  }

  /** The slot of this key, or -1. */
  find(key: FeedKey): number {
    const words = this.#words;
    for (let slot = key.lo & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const at = slot * WORDS;
      if (words[at + MARKS] === EMPTY) return -1;
      if (words[at + LO] === key.lo && words[at + HI] === key.hi) return slot;
    }
  }

  /** Sets the key's row (replacing it if there), as a change since the base; returns its slot. */
  set(key: FeedKey, digest: number, stock: number | null): number {
    if (this.#removed.size) this.#removed.delete(`${key.hi}:${key.lo}`);
    return this.#put(key.hi, key.lo, digest, stock ?? Number.NaN, CHANGED);
  }

  #put(hi: number, lo: number, digest: number, stock: number, state: number): number {
    if ((this.#size + 1) * 2 > this.capacity) this.#grow();
    const words = this.#words;
    let slot = lo & this.#mask;
    for (; ; slot = (slot + 1) & this.#mask) {
      const at = slot * WORDS;
      if (words[at + MARKS] === EMPTY) {
        words[at + HI] = hi;
        words[at + LO] = lo;
        this.#size++;
        break;
      }
      if (words[at + LO] === lo && words[at + HI] === hi) break;
    }
    // A row set anew has not been seen by a diff.
    words[slot * WORDS + MARKS] = state;
    this.#numbers[slot * NUMBERS + DIGEST] = digest;
    this.#stocks[slot * WORDS + STOCK] = stock;
    return slot;
  }

  /** Twice the room: the rows are placed again (slots move; only between imports' steps, never during a diff). */
  #grow(): void {
    const words = this.#words;
    const numbers = this.#numbers;
    const capacity = this.capacity;
    const bigger = new FeedIndex(capacity * 2);
    for (let slot = 0; slot < capacity; slot++) {
      const at = slot * WORDS;
      if (words[at + MARKS] === EMPTY) continue;
      const moved = bigger.#put(
        words[at + HI]!,
        words[at + LO]!,
        numbers[slot * NUMBERS + DIGEST]!,
        this.#stocks[at + STOCK]!,
        words[at + MARKS]! & STATE_BITS,
      );
      bigger.#words[moved * WORDS + MARKS] = words[at + MARKS]!;
    }
    this.#words = bigger.#words;
    this.#numbers = bigger.#numbers;
    this.#stocks = bigger.#stocks;
    this.#mask = bigger.#mask;
  }

  /**
   * Removes the key's row. Linear probing's backward shift: the rows after it in its run move up where their own
   * slot allows, so every probe still ends at the first empty slot.
   */
  remove(key: FeedKey): void {
    let hole = this.find(key);
    if (hole < 0) return;
    this.#removed.set(`${key.hi}:${key.lo}`, { hi: key.hi, lo: key.lo });
    this.#size--;
    const words = this.#words;
    for (let next = (hole + 1) & this.#mask; ; next = (next + 1) & this.#mask) {
      const at = next * WORDS;
      if (words[at + MARKS] === EMPTY) break;
      const home = words[at + LO]! & this.#mask;
      // The row at `next` may fill the hole only if its home is not cyclically in (hole, next].
      const stays = hole <= next ? hole < home && home <= next : hole < home || home <= next;
      if (stays) continue;
      words.copyWithin(hole * WORDS, at, at + WORDS);
      hole = next;
    }
    words.fill(0, hole * WORDS, hole * WORDS + WORDS);
  }

  isUsed(slot: number): boolean {
    return this.#words[slot * WORDS + MARKS] !== EMPTY;
  }

  #stateAt(slot: number): number {
    return this.#words[slot * WORDS + MARKS]! & STATE_BITS;
  }

  digestAt(slot: number): number {
    return this.#numbers[slot * NUMBERS + DIGEST]!;
  }

  stockAt(slot: number): number | null {
    const stock = this.#stocks[slot * WORDS + STOCK]!;
    return Number.isNaN(stock) ? null : stock;
  }

  keyAt(slot: number): FeedKey {
    return { hi: this.#words[slot * WORDS + HI]!, lo: this.#words[slot * WORDS + LO]! };
  }

  /** The row number a diff saw this slot's SKU at in the file it reads (0: not yet). */
  seenAt(slot: number): number {
    return this.#words[slot * WORDS + MARKS]! & SEEN_BITS;
  }

  see(slot: number, row: number): void {
    if (row > SEEN_BITS) throw new RangeError(`row ${row}: a feed of more than ${SEEN_BITS} rows`);
    const at = slot * WORDS + MARKS;
    this.#words[at] = (this.#words[at]! & STATE_BITS) | row;
  }

  /** The total of the rows' stock (rows without stock count none). */
  totalStock(): number {
    let total = 0;
    for (let slot = 0; slot < this.capacity; slot++) {
      const stock = this.#stocks[slot * WORDS + STOCK]!;
      if (this.#words[slot * WORDS + MARKS] !== EMPTY && !Number.isNaN(stock)) total += stock;
    }
    return total;
  }

  /**
   * Moves this index on to its next version: the rows `keep` keeps (it is asked of every row), then the changes
   * (rows it has are replaced; new ones are added). Returns what to keep of it: the changes since the base, and the
   * base itself when the changes have grown past a quarter of it (then the changes start again from none).
   */
  advance(
    keep: (slot: number) => boolean,
    changes: Iterable<{ key: FeedKey; digest: number; stock: number | null }>,
  ): KeptFeedIndex {
    const gone: FeedKey[] = [];
    for (let slot = 0; slot < this.capacity; slot++)
      if (this.isUsed(slot) && !keep(slot)) gone.push(this.keyAt(slot));
    for (const key of gone) this.remove(key);
    for (const c of changes) this.set(c.key, c.digest, c.stock);
    let changed = 0;
    for (let slot = 0; slot < this.capacity; slot++) if (this.#stateAt(slot) === CHANGED) changed++;
    if ((changed + this.#removed.size) * 4 <= this.#size)
      return { base: undefined, changes: this.#changesBytes(changed) };
    // The base again: every row, and nothing changed since it.
    const base = this.#bytes(BASE_FORMAT, this.#size, (slot) => this.isUsed(slot), []);
    for (let slot = 0; slot < this.capacity; slot++)
      if (this.#stateAt(slot) === CHANGED) this.#words[slot * WORDS + MARKS] = BASE;
    this.#removed.clear();
    return { base, changes: undefined };
  }

  #changesBytes(changed: number): Uint8Array {
    return this.#bytes(
      CHANGES_FORMAT,
      changed + this.#removed.size,
      (slot) => this.#stateAt(slot) === CHANGED,
      [...this.#removed.values()],
    );
  }

  /** A header (format, rows), then 24 bytes a row, little-endian: key, digest (-1: removed), stock. */
  #bytes(format: number, rows: number, include: (slot: number) => boolean, removed: FeedKey[]): Uint8Array {
    const bytes = new Uint8Array(HEADER + rows * BYTES_PER_ROW);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, format, true);
    view.setUint32(4, rows, true);
    let at = HEADER;
    const put = (hi: number, lo: number, digest: number, stock: number) => {
      view.setUint32(at, hi, true);
      view.setUint32(at + 4, lo, true);
      view.setFloat64(at + 8, digest, true);
      view.setFloat64(at + 16, stock, true);
      at += BYTES_PER_ROW;
    };
    for (let slot = 0; slot < this.capacity; slot++)
      if (this.isUsed(slot) && include(slot))
        put(
          this.#words[slot * WORDS + HI]!,
          this.#words[slot * WORDS + LO]!,
          this.#numbers[slot * NUMBERS + DIGEST]!,
          this.#stocks[slot * WORDS + STOCK]!,
        );
    for (const key of removed) put(key.hi, key.lo, REMOVED, Number.NaN);
    return bytes;
  }

  /**
   * The index kept as a base and its changes (`advance`); undefined for bytes of another format (the caller starts
   * from an empty index: every row of the next feed is then new, and applies).
   */
  static load(kept: {
    base: Uint8Array | undefined;
    changes: Uint8Array | undefined;
  }): FeedIndex | undefined {
    // No base yet (the first feed listed nothing): the changes alone.
    const base = kept.base ? rowsOf(kept.base, BASE_FORMAT) : { view: undefined, rows: 0 };
    const changes = kept.changes ? rowsOf(kept.changes, CHANGES_FORMAT) : { view: undefined, rows: 0 };
    if (!base || !changes) return undefined;
    // Room for the larger of the two: most changes replace rows of the base, and room for both would double the
    // table (a million-row base and its 50,000 changes would take 100 MB, not 50). Added rows grow it as they come.
    const index = FeedIndex.withRoomFor(Math.max(base.rows, changes.rows));
    if (base.view)
      for (let at = HEADER; at < HEADER + base.rows * BYTES_PER_ROW; at += BYTES_PER_ROW)
        index.#put(
          base.view.getUint32(at, true),
          base.view.getUint32(at + 4, true),
          base.view.getFloat64(at + 8, true),
          base.view.getFloat64(at + 16, true),
          BASE,
        );
    const { view } = changes;
    if (view)
      for (let at = HEADER; at < HEADER + changes.rows * BYTES_PER_ROW; at += BYTES_PER_ROW) {
        const key = { hi: view.getUint32(at, true), lo: view.getUint32(at + 4, true) };
        const digest = view.getFloat64(at + 8, true);
        if (digest === REMOVED) index.remove(key);
        else index.#put(key.hi, key.lo, digest, view.getFloat64(at + 16, true), CHANGED);
      }
    return index;
  }
}

/** What is written of an index: its changes since the base, or (every so often) the base again and no changes. */
export type KeptFeedIndex =
  { base: undefined; changes: Uint8Array } | { base: Uint8Array; changes: undefined };

function rowsOf(bytes: Uint8Array, format: number): { view: DataView; rows: number } | undefined {
  if (bytes.byteLength < HEADER) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = view.getUint32(4, true);
  if (view.getUint32(0, true) !== format || bytes.byteLength !== HEADER + rows * BYTES_PER_ROW)
    return undefined;
  return { view, rows };
}

function capacityFor(rows: number): number {
  let capacity = 16;
  while (capacity < rows * 2) capacity *= 2;
  return capacity;
}

/** A supplier SKU's 64-bit hash, in two halves. */
export interface FeedKey {
  hi: number;
  lo: number;
}

/** The key of a supplier SKU: two 32-bit FNV-1a lanes over its UTF-16 code units. */
export function feedKey(supplierSku: string): FeedKey {
  return feedKeyInto(supplierSku, { hi: 0, lo: 0 });
}

/** feedKey written into `key`: a million rows' lookups make no object each. */
export function feedKeyInto(supplierSku: string, key: FeedKey): FeedKey {
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < supplierSku.length; i++) {
    const c = supplierSku.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 13);
  }
  // A final mix: keys that differ in the last character must not differ only in the low bits of `lo`.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  key.hi = b >>> 0;
  key.lo = a >>> 0;
  return key;
}

/**
 * A slot, 24 bytes: words hi, lo, then the digest (a double), the stock (a float: exact to 16 million units a row,
 * and used only for the quarantine's totals), and the marks (the slot's state in the top two bits, the row a diff
 * saw it at in the rest).
 */
const SLOT_BYTES = 24;
const WORDS = SLOT_BYTES / 4;
const NUMBERS = SLOT_BYTES / 8;
const HI = 0;
const LO = 1;
const DIGEST = 1;
const STOCK = 4;
const MARKS = 5;
/** A slot's state: empty, a row of the base, a row set since the base was written (as `marks & STATE_BITS` gives it: signed). */
const EMPTY = 0;
const BASE = 1 << 30;
const CHANGED = 2 << 30;
const STATE_BITS = 3 << 30;
const SEEN_BITS = (1 << 30) - 1;

/** "WFI2": the base (the format of the single value kept before changes were kept apart, so it reads on). */
const BASE_FORMAT = 0x57464932;
/** "WFC1": changes since the base. */
const CHANGES_FORMAT = 0x57464331;
const HEADER = 8;
/** hi 4 + lo 4 + digest 8 + stock 8. */
const BYTES_PER_ROW = 24;
/** A change's digest when its key was removed (digests are never negative). */
const REMOVED = -1;

/**
 * The last accepted feed of a supplier, as the next import needs it: for each supplier SKU (by a 64-bit hash of it),
 * the digest of its row and its stock. An open-addressing hash table in typed arrays, kept as one binary value: a
 * million rows load in milliseconds, where a million strings and objects read back from the
 * database took seconds and hundreds of megabytes (24 bytes a row kept, 25 a slot in memory, two slots a row at most). The supplier SKUs themselves stay in the database, read only for
 * the rows that changed or went missing.
 *
 * Two SKUs share a 64-bit key with a chance of about one in 3·10^7 in a million-row feed; the import then sees one
 * row where there are two (a change may be taken for no change). Far below a supplier's own typing errors.
 */
export class FeedIndex {
  /** The hash's two halves, the row's digest and stock (NaN: the row gave none); `used` 1 where a row sits. */
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #digest: Float64Array;
  readonly #stock: Float64Array;
  readonly #used: Uint8Array;
  readonly #mask: number;
  #size = 0;

  private constructor(capacity: number) {
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#digest = new Float64Array(capacity);
    this.#stock = new Float64Array(capacity);
    this.#used = new Uint8Array(capacity);
    this.#mask = capacity - 1;
  }

  /** An empty index with room for `rows` rows (kept at most half full, so a probe ends soon). */
  static withRoomFor(rows: number): FeedIndex {
    let capacity = 16;
    while (capacity < rows * 2) capacity *= 2;
    return new FeedIndex(capacity);
  }

  get size(): number {
    return this.#size;
  }

  get capacity(): number {
    return this.#used.length;
  }

  /** The slot of this key, or -1. */
  find(key: FeedKey): number {
    for (let slot = key.lo & this.#mask; ; slot = (slot + 1) & this.#mask) {
      if (this.#used[slot] === 0) return -1;
      if (this.#lo[slot] === key.lo && this.#hi[slot] === key.hi) return slot;
    }
  }

  /** Sets the key's row (replacing it if there); returns its slot. */
  set(key: FeedKey, digest: number, stock: number | null): number {
    let slot = key.lo & this.#mask;
    while (this.#used[slot] === 1 && !(this.#lo[slot] === key.lo && this.#hi[slot] === key.hi))
      slot = (slot + 1) & this.#mask;
    if (this.#used[slot] === 0) {
      if ((this.#size + 1) * 2 > this.capacity)
        throw new Error('feed index full: make it withRoomFor more rows');
      this.#used[slot] = 1;
      this.#hi[slot] = key.hi;
      this.#lo[slot] = key.lo;
      this.#size++;
    }
    this.#digest[slot] = digest;
    this.#stock[slot] = stock ?? Number.NaN;
    return slot;
  }

  isUsed(slot: number): boolean {
    return this.#used[slot] === 1;
  }

  digestAt(slot: number): number {
    return this.#digest[slot]!;
  }

  stockAt(slot: number): number | null {
    const stock = this.#stock[slot]!;
    return Number.isNaN(stock) ? null : stock;
  }

  keyAt(slot: number): FeedKey {
    return { hi: this.#hi[slot]!, lo: this.#lo[slot]! };
  }

  /** The total of the rows' stock (rows without stock count none). */
  totalStock(): number {
    let total = 0;
    for (let slot = 0; slot < this.capacity; slot++)
      if (this.#used[slot] === 1 && !Number.isNaN(this.#stock[slot]!)) total += this.#stock[slot]!;
    return total;
  }

  /**
   * The bytes of this index, or of its next version: the rows `keep` keeps and the changes (rows it has are replaced,
   * in this index too; new ones are added), without building a second table. A header (format, rows), then 24 bytes
   * a row, little-endian: key, digest, stock. The empty half of the table is not kept: it is rebuilt on reading, in
   * milliseconds.
   */
  toBytes(
    keep: (slot: number) => boolean = () => true,
    changes: Iterable<{ key: FeedKey; digest: number; stock: number | null }> = [],
  ): Uint8Array {
    const added: { key: FeedKey; digest: number; stock: number | null }[] = [];
    for (const c of changes) {
      const slot = this.find(c.key);
      if (slot < 0) added.push(c);
      else {
        this.#digest[slot] = c.digest;
        this.#stock[slot] = c.stock ?? Number.NaN;
      }
    }
    let kept = 0;
    for (let slot = 0; slot < this.capacity; slot++) if (this.#used[slot] === 1 && keep(slot)) kept++;
    const bytes = new Uint8Array(HEADER + (kept + added.length) * BYTES_PER_ROW);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, FORMAT, true);
    view.setUint32(4, kept + added.length, true);
    let at = HEADER;
    const put = (hi: number, lo: number, digest: number, stock: number) => {
      view.setUint32(at, hi, true);
      view.setUint32(at + 4, lo, true);
      view.setFloat64(at + 8, digest, true);
      view.setFloat64(at + 16, stock, true);
      at += BYTES_PER_ROW;
    };
    for (let slot = 0; slot < this.capacity; slot++)
      if (this.#used[slot] === 1 && keep(slot))
        put(this.#hi[slot]!, this.#lo[slot]!, this.#digest[slot]!, this.#stock[slot]!);
    for (const c of added) put(c.key.hi, c.key.lo, c.digest, c.stock ?? Number.NaN);
    return bytes;
  }

  /** The index `toBytes` wrote; undefined for bytes of another format (then rebuild it from the rows). */
  static fromBytes(bytes: Uint8Array): FeedIndex | undefined {
    if (bytes.byteLength < HEADER) return undefined;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const rows = view.getUint32(4, true);
    if (view.getUint32(0, true) !== FORMAT || bytes.byteLength !== HEADER + rows * BYTES_PER_ROW)
      return undefined;
    const index = FeedIndex.withRoomFor(rows);
    const key = { hi: 0, lo: 0 };
    for (let at = HEADER; at < bytes.byteLength; at += BYTES_PER_ROW) {
      key.hi = view.getUint32(at, true);
      key.lo = view.getUint32(at + 4, true);
      const stock = view.getFloat64(at + 16, true);
      index.set(key, view.getFloat64(at + 8, true), Number.isNaN(stock) ? null : stock);
    }
    return index;
  }
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

const FORMAT = 0x57464932; // "WFI2"
const HEADER = 8;
/** hi 4 + lo 4 + digest 8 + stock 8. */
const BYTES_PER_ROW = 24;

import { levelsChangedSince, toldLevels } from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';

/**
 * What this process's stock syncs read, kept between their runs, so that a change of every SKU is read once for all
 * channels rather than once per channel, and compared in memory with what each channel was told:
 * - the levels: every SKU changed since the oldest point a sync asked for, refreshed by reading what changed since
 *   the previous read (less the overlap of late commits); a refresh serves every run that started before it did;
 * - what each channel was told (its channel_stock rows), with the version it was read at: trusted only while the
 *   database's version (channels.stock_told_version) is the same, so another process syncing the channel, or a
 *   settings change forgetting it, makes this copy read again.
 * The database stays the truth: losing this costs a read, never a level.
 */
export class StockSyncMemory {
  #levels = new Map<string, KnownLevel>();
  /** Every change stamped at or after this is in #levels (as of #readAt); Infinity before the first read. */
  #from = Number.POSITIVE_INFINITY;
  /** When the last read began, by the clock (the syncs' watermark): what committed before it is in #levels. */
  #readAt = Number.NEGATIVE_INFINITY;
  /** The same moment on the monotonic clock (performance.now): which runs began before it. */
  #readBegan = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | null = null;
  #told = new Map<string, KnownTold>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    /** How far before the previous read a refresh reads again: rows stamped before a read may commit after it. */
    private readonly overlapMs: number,
  ) {}

  /**
   * The bounded SKUs changed since `since`, from a read that began after `began` (the run's start on the monotonic
   * clock: a change committed before the run began is in), and when that read began: the run's watermark.
   */
  async changedSince(since: number, began: number): Promise<{ readAt: number; levels: KnownLevel[] }> {
    for (;;) {
      if (this.#reading) {
        await this.#reading;
        continue;
      }
      if (this.#readBegan >= began && since >= this.#from) break;
      this.#reading = this.#read(since).finally(() => (this.#reading = null));
    }
    const levels: KnownLevel[] = [];
    for (const level of this.#levels.values()) if (level.updatedAt >= since) levels.push(level);
    return { readAt: this.#readAt, levels };
  }

  async #read(since: number): Promise<void> {
    // Reading from before what is kept replaces it (the first read, or a sync asking for more: a new channel, a full
    // pass); otherwise what changed since the previous read, overlapped.
    const fresh = since < this.#from;
    const from = fresh ? since : this.#readAt - this.overlapMs;
    const readAt = this.clock();
    const readBegan = performance.now();
    const levels = fresh ? new Map<string, KnownLevel>() : this.#levels;
    for await (const page of levelsChangedSince(this.db, from))
      for (const row of page) {
        if (row.bounded !== 1) levels.delete(row.sku);
        else
          levels.set(row.sku, {
            sku: row.sku,
            onHand: row.on_hand,
            reserved: row.reserved,
            updatedAt: row.updated_at,
          });
      }
    this.#levels = levels;
    if (fresh) this.#from = since;
    this.#readAt = readAt;
    this.#readBegan = readBegan;
  }

  /** What the channel was told of each SKU, as of `version` (the channel's told version, read by the run). */
  async toldOf(channelId: string, version: number): Promise<ReadonlyMap<string, number>> {
    const known = this.#told.get(channelId);
    if (known?.version === version) return known.told;
    const told = new Map<string, number>();
    for await (const page of toldLevels(this.db, channelId))
      for (const row of page) told.set(row.sku, row.told);
    // Kept only if no other change of them began meanwhile (the version is read again by the next run anyway).
    this.#told.set(channelId, { version, told });
    return told;
  }

  /**
   * A run's own change of what the channel was told, made in a transaction as `version` on top of `previous` (the
   * version that transaction found): applied to the copy when the copy was at `previous`, else the copy is dropped
   * (read again when next asked for). Made before the commit: if the transaction rolls back, the database never has
   * `version` and the copy is read again.
   */
  remember(
    channelId: string,
    change: { previous: number; version: number; told: readonly Told[]; forgotten: readonly string[] },
  ): void {
    const known = this.#told.get(channelId);
    if (!known || known.version !== change.previous) {
      this.#told.delete(channelId);
      return;
    }
    for (const t of change.told) known.told.set(t.sku, t.available);
    for (const sku of change.forgotten) known.told.delete(sku);
    known.version = change.version;
  }
}

export interface KnownLevel {
  sku: string;
  onHand: number;
  reserved: number;
  updatedAt: number;
}

interface Told {
  sku: string;
  available: number;
}

interface KnownTold {
  version: number;
  told: Map<string, number>;
}

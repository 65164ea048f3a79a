import {
  levelsChangedSince,
  levelsStampedAt,
  stampGroupsBetween,
  toldLevels,
  type LevelRow,
  type StampGroup,
} from '../store/stock.repo.ts';
import type { Db } from '../store/schema.ts';

/**
 * What this process's stock syncs read, kept between their runs, so that a change of every SKU is read once for all
 * channels rather than once per channel, and compared in memory with what each channel was told:
 * - the levels: every SKU changed since the oldest point a sync asked for, refreshed by reading what changed since
 *   the previous read; a refresh serves every run that started before it began;
 * - what each channel was told (its channel_stock rows), with the version it was read at: trusted only while the
 *   database's version (channels.stock_told_version) is the same, so another process syncing the channel, or a
 *   settings change forgetting it, makes this copy read again;
 * - per channel, how far it has compared the levels (each level carries the sequence number of its last change
 *   here), so a run compares only what changed since its channel's last complete run.
 * The database stays the truth: losing this costs a read, never a level.
 */
export class StockSyncMemory {
  #levels = new Map<string, Level>();
  /** Every change stamped at or after this is in #levels (as of #readAt); Infinity before the first read. */
  #from = Number.POSITIVE_INFINITY;
  /** When the last read began, by the clock (the syncs' watermark): what committed before it is in #levels. */
  #readAt = Number.NEGATIVE_INFINITY;
  /** The same moment on the monotonic clock (performance.now): which runs began before it. */
  #readBegan = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | null = null;
  /** Numbers the changes of #levels as they are found; a level carries the number of its last. */
  #seq = 0;
  #told = new Map<string, KnownTold>();

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    /** How far before the previous read a refresh looks for late commits: rows stamped before a read may commit after it. */
    private readonly overlapMs: number,
  ) {}

  /**
   * The bounded SKUs changed since `since` that `channelId` has not compared yet, from a read that began after
   * `began` (the run's start on the monotonic clock: a change committed before the run began is in), with what the
   * channel was told of each (as of `toldVersion`, the channel's told version read by the run), the read's time (the
   * run's watermark) and how far they go (for `compared`).
   */
  async changesFor(
    channelId: string,
    since: number,
    began: number,
    toldVersion: number,
  ): Promise<{ readAt: number; through: number; levels: KnownLevel[]; told: ReadonlyMap<string, number> }> {
    for (;;) {
      if (this.#reading) {
        await this.#reading;
        continue;
      }
      if (this.#readBegan >= began && since >= this.#from) break;
      this.#reading = this.#read(since).finally(() => (this.#reading = null));
    }
    const told = await this.#toldOf(channelId, toldVersion);
    const after = told.comparedThrough;
    const levels: KnownLevel[] = [];
    for (const level of this.#levels.values())
      if (level.bounded && level.seq > after && level.updatedAt >= since) levels.push(level);
    return { readAt: this.#readAt, through: this.#seq, levels, told: told.told };
  }

  /**
   * The channel's run compared everything up to `through` and told the channel what differed (remembered): its
   * next run starts after it. Only for a run that sent all it found, every SKU taken.
   */
  compared(channelId: string, version: number, through: number): void {
    const known = this.#told.get(channelId);
    if (known?.version === version) known.comparedThrough = Math.max(known.comparedThrough, through);
  }

  async #read(since: number): Promise<void> {
    const readAt = this.clock();
    const readBegan = performance.now();
    if (since < this.#from) {
      // From before what is kept (the first read, or a sync asking for more: a new channel): read afresh.
      const levels = new Map<string, Level>();
      for await (const page of levelsChangedSince(this.db, since))
        for (const row of page) levels.set(row.sku, this.#level(row));
      this.#levels = levels;
      this.#from = since;
    } else {
      const previous = this.#readAt;
      // What was stamped since the previous read began: new changes.
      for await (const page of levelsChangedSince(this.db, previous)) for (const row of page) this.#take(row);
      // Late commits: rows stamped before the previous read began whose transaction committed after it. Found by
      // comparing, per change time, the database's count and sums with this copy's; only differing times are read.
      await this.#takeLateCommits(previous - this.overlapMs, previous);
    }
    this.#readAt = readAt;
    this.#readBegan = readBegan;
  }

  async #takeLateCommits(from: number, to: number): Promise<void> {
    const ours = new Map<number, StampGroup>();
    for (const level of this.#levels.values()) {
      if (level.updatedAt < from || level.updatedAt >= to) continue;
      let group = ours.get(level.updatedAt);
      if (!group) {
        group = { updatedAt: level.updatedAt, rows: 0, bounded: 0, onHand: 0, reserved: 0 };
        ours.set(level.updatedAt, group);
      }
      group.rows += 1;
      group.bounded += level.bounded ? 1 : 0;
      group.onHand += level.onHand;
      group.reserved += level.reserved;
    }
    const differing: number[] = [];
    for (const theirs of await stampGroupsBetween(this.db, from, to)) {
      const mine = ours.get(theirs.updatedAt);
      if (
        !mine ||
        mine.rows !== theirs.rows ||
        mine.bounded !== theirs.bounded ||
        mine.onHand !== theirs.onHand ||
        mine.reserved !== theirs.reserved
      )
        differing.push(theirs.updatedAt);
    }
    if (differing.length === 0) return;
    const found = await levelsStampedAt(this.db, differing);
    // A level kept under a differing time but no longer stamped with it changed again since: dropped here, read
    // under its new time (since the previous read, or by the next refresh's comparison).
    const stamps = new Set(differing);
    const seen = new Set(found.map((row) => row.sku));
    for (const level of this.#levels.values())
      if (stamps.has(level.updatedAt) && !seen.has(level.sku)) this.#levels.delete(level.sku);
    for (const row of found) this.#take(row);
  }

  /** Keeps a row read: a new number when it is new here or differs from what was kept. */
  #take(row: LevelRow): void {
    const kept = this.#levels.get(row.sku);
    if (
      kept &&
      kept.updatedAt === row.updated_at &&
      kept.onHand === row.on_hand &&
      kept.reserved === row.reserved &&
      kept.bounded === (row.bounded === 1)
    )
      return;
    this.#levels.set(row.sku, this.#level(row));
  }

  #level(row: LevelRow): Level {
    return {
      sku: row.sku,
      bounded: row.bounded === 1,
      onHand: row.on_hand,
      reserved: row.reserved,
      updatedAt: row.updated_at,
      seq: ++this.#seq,
    };
  }

  async #toldOf(channelId: string, version: number): Promise<KnownTold> {
    const known = this.#told.get(channelId);
    if (known?.version === version) return known;
    const told = new Map<string, number>();
    for await (const page of toldLevels(this.db, channelId))
      for (const row of page) told.set(row.sku, row.told);
    // Read after the version was: if the rows changed meanwhile, the next run's version differs and reads again.
    const fresh = { version, told, comparedThrough: 0 };
    this.#told.set(channelId, fresh);
    return fresh;
  }

  /**
   * A run's own change of what the channel was told, made in a transaction as `version` on top of `previous` (the
   * version that transaction found): applied to the copy when the copy was at `previous`, else the copy is dropped
   * (read again when next asked for). Made before the commit: if the transaction rolls back, the database never has
   * `version` and the copy is read again. A SKU forgotten as told is compared again by every channel.
   */
  remember(
    channelId: string,
    change: { previous: number; version: number; told: readonly Told[]; forgotten: readonly string[] },
  ): void {
    for (const sku of change.forgotten) {
      const level = this.#levels.get(sku);
      if (level) level.seq = ++this.#seq;
    }
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

/** A level as kept here. */
interface Level {
  sku: string;
  bounded: boolean;
  onHand: number;
  reserved: number;
  updatedAt: number;
  seq: number;
}

/** A level as kept here: to read, never to change. */
export type KnownLevel = Readonly<Level>;

interface Told {
  sku: string;
  available: number;
}

interface KnownTold {
  version: number;
  told: Map<string, number>;
  /** The channel compared every level up to this number. */
  comparedThrough: number;
}

import { quarantineReasons } from '../domain/feed-diff.ts';
import type { FeedMapping } from '../feeds/read-feed.ts';
import type { Db } from '../store/schema.ts';
import { findSupplierRow } from '../store/setup.repo.ts';
import { recordEvents } from '../store/events.repo.ts';
import {
  appliedSince,
  decideFeedImport,
  findFeedImport,
  insertFeedImport,
} from '../store/feed-imports.repo.ts';
import { applyDiff, FeedChangedMeanwhile } from './apply-feed.ts';
import type { AppContext } from './context.ts';
import { diffFeed } from './diff-feed.ts';
import { ConflictError, InputError, NotFoundError } from './errors.ts';
import { emptyReport, type FeedImportReport, type FeedSource } from './feed-report.ts';
import type { FeedSettings } from './feed-settings.ts';

export interface FeedFile {
  supplierId: string;
  source: FeedSource;
  fileName?: string | undefined;
  bytes: Uint8Array;
  /** Overrides the supplier's setting: a push through the supplier API is a delta. */
  kind?: 'full' | 'delta' | undefined;
  /** Overrides the supplier's mapping: a push has a mapping of its own. */
  mapping?: FeedMapping | undefined;
}

/**
 * Imports one file of a supplier's feed: reads it with the supplier's mapping, diffs it against the last accepted
 * feed, and applies only what changed (offers, stock, prices; the channels hear only those) in one transaction.
 * Every failing row is reported and the good rows still apply, unless the feed looks broken by the supplier's
 * thresholds: then it is quarantined, file and all, and nothing applies until an operator approves or rejects it.
 */
export function importFeed(ctx: AppContext, file: FeedFile): Promise<FeedImportReport> {
  return oneAtATime(ctx, file.supplierId, () => importFile(ctx, file));
}

/**
 * A supplier's imports in this process run one after another: each diffs against the feed the one before accepted.
 * Imports in other processes (workers) that cross one are diffed again (applyDiff checks the index's version).
 */
function oneAtATime<T>(ctx: AppContext, supplierId: string, work: () => Promise<T>): Promise<T> {
  let queues = importQueues.get(ctx.store);
  if (!queues) importQueues.set(ctx.store, (queues = new Map()));
  const before = queues.get(supplierId) ?? Promise.resolve();
  const mine = before.then(work, work);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  queues.set(supplierId, settled);
  void settled.then(() => {
    if (queues.get(supplierId) === settled) queues.delete(supplierId);
  });
  return mine;
}

const importQueues = new WeakMap<object, Map<string, Promise<void>>>();

async function importFile(ctx: AppContext, file: FeedFile): Promise<FeedImportReport> {
  const supplier = await findSupplierRow(ctx.store.db, file.supplierId);
  if (!supplier) throw new NotFoundError(`supplier ${file.supplierId}`);
  const settings = feedSettingsOf(supplier.feed_config);
  const mapping = file.mapping ?? settings?.mapping;
  if (!mapping)
    throw new InputError(
      'supplierId',
      `supplier ${file.supplierId} has no feed mapping: give it a \`feed:\` in the setup document`,
    );
  const kind = file.kind ?? settings?.kind ?? 'full';
  const id = ctx.ids.next('feed');
  const missingSkus = settings?.missingSkus ?? 'zero';
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    const report = emptyReport(id, file, kind, now);
    // Kept with the import: an approval reads the kept file as it was read when it came.
    report.mapping = mapping;
    const diff = await diffFeed(ctx.store.db, file, mapping, { kind, missingSkus }, report);
    if (diff === undefined) {
      await ctx.store.transact((tx) => record(tx, report, null, now));
      return report;
    }
    report.quarantine = quarantineReasons(
      {
        rows: report.rows,
        failed: report.failed,
        stockBefore: report.stock.before,
        stockAfter: report.stock.after,
        skusBefore: report.skus.before,
        skusAfter: report.skus.after ?? undefined,
      },
      settings?.quarantine ?? DEFAULT_THRESHOLDS,
    );
    if (report.quarantine.length) {
      report.status = 'quarantined';
      await ctx.store.transact((tx) => record(tx, report, Buffer.from(file.bytes), now));
      ctx.log.warn('feed quarantined', {
        supplierId: file.supplierId,
        feedImport: id,
        reasons: report.quarantine,
      });
      return report;
    }
    try {
      await ctx.store.transact(async (tx) => {
        await applyDiff(ctx, tx, file.supplierId, diff, missingSkus, report, now.getTime());
        await record(tx, report, null, now);
      });
      return report;
    } catch (error) {
      // Another import of this supplier applied between the diff and the write: diffed again against it.
      if (!(error instanceof FeedChangedMeanwhile) || attempt === MAX_DIFFS) throw error;
    }
  }
}

/** How often an import is diffed again when other imports of the same supplier keep applying first. */
const MAX_DIFFS = 3;

/**
 * An operator's decision on a quarantined import. Approving applies exactly the file that was received, diffed
 * against the feed accepted now; it is refused when a later feed has applied since (it would undo that one).
 */
export async function decideQuarantinedFeed(
  ctx: AppContext,
  importId: string,
  decision: 'approve' | 'reject',
  by: string,
): Promise<FeedImportReport> {
  const found = await findFeedImport(ctx.store.db, importId);
  if (!found) throw new NotFoundError(`feed import ${importId}`);
  return oneAtATime(ctx, found.supplier_id, () => decide(ctx, importId, decision, by));
}

async function decide(
  ctx: AppContext,
  importId: string,
  decision: 'approve' | 'reject',
  by: string,
): Promise<FeedImportReport> {
  const held = (await findFeedImport(ctx.store.db, importId))!;
  if (held.status !== 'quarantined')
    throw new ConflictError(`feed import ${importId} is ${held.status}, not quarantined`);
  const now = ctx.clock.now();
  const earlier = JSON.parse(held.report) as FeedImportReport;
  if (decision === 'reject') {
    const report: FeedImportReport = { ...earlier, status: 'rejected' };
    await ctx.store.transact(async (tx) => {
      if (!(await decideFeedImport(tx, importId, { status: 'rejected', by, at: now.getTime() })))
        throw new ConflictError(`feed import ${importId} was decided meanwhile`);
      await recordEvents(tx, now, [feedEvent(report, 'feed.rejected', { by })]);
    });
    return report;
  }
  if (await appliedSince(ctx.store.db, held.supplier_id, importId))
    throw new ConflictError(
      `a later feed of supplier ${held.supplier_id} has applied since import ${importId}: approving this one would undo it; reject it`,
    );
  const supplier = await findSupplierRow(ctx.store.db, held.supplier_id);
  const settings = feedSettingsOf(supplier?.feed_config ?? null);
  const mapping = earlier.mapping ?? settings?.mapping;
  if (!mapping) throw new ConflictError(`supplier ${held.supplier_id} no longer has a feed mapping`);
  const missingSkus = settings?.missingSkus ?? 'zero';
  const report: FeedImportReport = {
    ...emptyReport(importId, earlier, earlier.kind, now),
    status: 'approved',
  };
  report.receivedAt = earlier.receivedAt;
  report.quarantine = earlier.quarantine;
  if (earlier.mapping) report.mapping = earlier.mapping;
  const file = { supplierId: held.supplier_id, fileName: held.file_name ?? undefined, bytes: held.file! };
  const diff = await diffFeed(ctx.store.db, file, mapping, { kind: earlier.kind, missingSkus }, report);
  if (!diff) throw new ConflictError(`feed import ${importId} can no longer be read: ${report.refused}`);
  await ctx.store.transact(async (tx) => {
    if (
      !(await decideFeedImport(tx, importId, {
        status: 'approved',
        report: JSON.stringify(report),
        by,
        at: now.getTime(),
      }))
    )
      throw new ConflictError(`feed import ${importId} was decided meanwhile`);
    await applyDiff(ctx, tx, held.supplier_id, diff, missingSkus, report, now.getTime());
    await recordEvents(tx, now, [feedEvent(report, 'feed.approved', { by })]);
  });
  return report;
}

/** A pull that brought no file to read (a 404, an HTML page, a refused login): in the feed history all the same. */
export async function recordPullFailure(
  ctx: AppContext,
  supplierId: string,
  source: 'http' | 'sftp',
  reason: string,
): Promise<FeedImportReport> {
  const now = ctx.clock.now();
  const report = emptyReport(ctx.ids.next('feed'), { supplierId, source }, 'full', now);
  report.status = 'refused';
  report.refused = `the pull failed: ${reason}`;
  await ctx.store.transact((tx) => record(tx, report, null, now));
  return report;
}

const DEFAULT_THRESHOLDS = { errorPercent: 20, stockDropPercent: 90, skuDropPercent: 50 };

export function feedSettingsOf(config: string | null): FeedSettings | undefined {
  return config === null ? undefined : (JSON.parse(config) as FeedSettings);
}

/** Stores the import's record and its event (with the file only while it is quarantined). */
async function record(tx: Db, report: FeedImportReport, file: Buffer | null, now: Date): Promise<void> {
  await insertFeedImport(tx, {
    id: report.id,
    supplier_id: report.supplierId,
    source: report.source,
    file_name: report.fileName,
    kind: report.kind,
    status: report.status,
    report: JSON.stringify(report),
    file,
    received_at: now.getTime(),
    decided_at: null,
    decided_by: null,
  });
  await recordEvents(tx, now, [feedEvent(report, `feed.${report.status}`, {})]);
}

function feedEvent(report: FeedImportReport, type: string, extra: Record<string, unknown>) {
  return {
    orderId: null,
    subjectType: 'supplier' as const,
    subjectId: report.supplierId,
    type,
    data: {
      feedImport: report.id,
      rows: report.rows,
      failed: report.failed,
      changed: report.changed,
      added: report.added,
      zeroed: report.zeroed,
      unmatched: report.unmatched,
      quarantine: report.quarantine,
      ...(report.refused ? { refused: report.refused } : {}),
      ...extra,
    },
  };
}

import type { FeedMapping, FeedRowError } from '../feeds/read-feed.ts';

// What an import of a supplier's feed reports: to the operator (API, history), to the command line, in events.

/** Where a feed came from: the import's record says so. */
export type FeedSource = 'upload' | 'cli' | 'http' | 'sftp' | 'push';

/** An import's report: what the feed held, what it changed, what failed, and why it was held or refused. */
export interface FeedImportReport {
  id: string;
  supplierId: string;
  status: 'applied' | 'quarantined' | 'approved' | 'rejected' | 'refused';
  kind: 'full' | 'delta';
  source: FeedSource;
  fileName: string | null;
  receivedAt: string;
  /** Rows read (good and failed), and of the good: unchanged since the last accepted feed, changed, new. */
  rows: number;
  failed: number;
  unchanged: number;
  changed: number;
  added: number;
  /** Rows of the last accepted feed this full feed no longer lists, and those of them set to zero stock. */
  missing: number;
  zeroed: number;
  /** Changed or new rows whose supplier SKU is not (yet) one of Waybill's: listed for an operator to map. */
  unmatched: number;
  /** Rows matched to a SKU by their GTIN in this import (the pairing is kept). */
  matchedByGtin: number;
  /** Rows earlier feeds left unmatched, unchanged since, matched in this import (a product or mapping added since). */
  matchedLater: number;
  stock: { before: number; after: number };
  skus: { before: number; after: number | null };
  /** The first errors (at most MAX_REPORTED_ERRORS), each with its row, field, column and reason. */
  errors: FeedRowError[];
  errorsTotal: number;
  /** Why nothing of it applied until an operator decides; empty when it applied. */
  quarantine: string[];
  /** Why the file could not be read at all (a PDF named .csv, an HTML page). */
  refused?: string;
  /** The mapping it was read with when not the supplier's (a push): an approval reads the kept file with it. */
  mapping?: FeedMapping;
}

/** A report keeps this many row errors; the total says how many there were. */
export const MAX_REPORTED_ERRORS = 1_000;

export function emptyReport(
  id: string,
  file: { supplierId: string; source: FeedSource; fileName?: string | null | undefined },
  kind: 'full' | 'delta',
  now: Date,
): FeedImportReport {
  return {
    id,
    supplierId: file.supplierId,
    status: 'applied',
    kind,
    source: file.source,
    fileName: file.fileName ?? null,
    receivedAt: now.toISOString(),
    rows: 0,
    failed: 0,
    unchanged: 0,
    changed: 0,
    added: 0,
    missing: 0,
    zeroed: 0,
    unmatched: 0,
    matchedByGtin: 0,
    matchedLater: 0,
    stock: { before: 0, after: 0 },
    skus: { before: 0, after: null },
    errors: [],
    errorsTotal: 0,
    quarantine: [],
  };
}

/** Counts the failed rows (one per row, however many of its fields failed) and keeps the first errors. */
export function reportErrors(report: FeedImportReport, list: readonly FeedRowError[]): void {
  if (list.length === 0) return;
  report.failed += new Set(list.map((e) => e.row)).size;
  report.errorsTotal += list.length;
  for (const e of list) if (report.errors.length < MAX_REPORTED_ERRORS) report.errors.push(e);
}

/** A column as the reader names it: a header's name, or already "column 3" for a position. */
function columnLabel(column: string): string {
  return /^column \d+$/.test(column) ? column : `column ${JSON.stringify(column)}`;
}

/** The report in a few lines, for the command line and the log. */
export function describeFeedImport(r: FeedImportReport): string {
  const lines = [`feed import ${r.id} (${r.supplierId}, ${r.kind}): ${r.status}`];
  if (r.refused) lines.push(`refused: ${r.refused}`);
  else {
    lines.push(
      `rows ${r.rows}: ${r.unchanged} unchanged, ${r.changed} changed, ${r.added} new, ${r.failed} failed; ` +
        `${r.missing} missing (${r.zeroed} set to zero), ${r.unmatched} unmatched, ${r.matchedByGtin} matched by GTIN, ${r.matchedLater} matched at last`,
    );
    lines.push(
      `stock ${r.stock.before} → ${r.stock.after}; SKUs ${r.skus.before} → ${r.skus.after ?? '(delta)'}`,
    );
  }
  for (const reason of r.quarantine) lines.push(`quarantined: ${reason}`);
  for (const e of r.errors.slice(0, 20))
    lines.push(`row ${e.row} ${e.field}${e.column ? ` (${columnLabel(e.column)})` : ''}: ${e.reason}`);
  if (r.errorsTotal > 20) lines.push(`… and ${r.errorsTotal - 20} more errors (GET /api/v1/feeds/${r.id})`);
  return lines.join('\n');
}

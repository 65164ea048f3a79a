import { FEED_FIELDS, type FeedField } from './feed-mapping.ts';
import { FeedRefused } from './feed-refused.ts';

/** Where a mapping says a field is in a table (CSV, XLSX): a header name, or a 1-based position. */
export type Column = string | number;

/**
 * Each field's 0-based position in the rows of a table feed, in FEED_FIELDS order; -1 for a field the mapping
 * leaves out. Names are looked up in the header row (trimmed, then ignoring case: see `findColumn`); `header` is
 * undefined when the file has none. `shown` names a column in a refusal (`"Preis"`, `column 4`).
 *
 * Throws FeedRefused, naming every such column, when the header lacks a name or has it twice, or ends before a
 * position.
 */
export function columnPositions(
  columns: Partial<Record<FeedField, Column>>,
  header: readonly string[] | undefined,
  shown: (column: Column) => string,
): number[] {
  const missing: string[] = [];
  const twice: string[] = [];
  const positions = FEED_FIELDS.map((field) => {
    const column = columns[field];
    if (column === undefined) return -1;
    const at = typeof column === 'number' ? [column - 1] : findColumn(header ?? [], column);
    const named = `${shown(column)} (${field})`;
    if (at.length > 1) twice.push(named);
    else if (header !== undefined && (at.length === 0 || at[0]! >= header.length)) missing.push(named);
    return at[0] ?? -1;
  });
  if (missing.length > 0) throw new FeedRefused(`the header has no column ${missing.join(', ')}`);
  if (twice.length > 0) throw new FeedRefused(`the header has more than one column ${twice.join(', ')}`);
  return positions;
}

/**
 * The positions of a header name as mapped; failing that, of the names equal to it ignoring case. The rule of every
 * file Waybill reads by column name (feeds, a CSV supplier's answers).
 */
export function findColumn(header: readonly string[], name: string): number[] {
  const exact = header.flatMap((h, i) => (h === name ? [i] : []));
  if (exact.length > 0) return exact;
  const folded = name.toLowerCase();
  return header.flatMap((h, i) => (h.toLowerCase() === folded ? [i] : []));
}

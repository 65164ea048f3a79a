import iconv from 'iconv-lite';
import { wholeFile } from './bytes.ts';
import { CellProblem, type Cell } from './cell-values.ts';
import { FEED_FIELDS, type FeedBatch, type JsonFeedMapping } from './feed-mapping.ts';
import { FeedRefused } from './feed-refused.ts';
import { RowReader } from './row-reader.ts';

const BATCH_ROWS = 1000;

/** A JSON feed: parsed whole (up to `limit` bytes), its rows handed out in batches of BATCH_ROWS. */
export async function* readJson(
  bytes: AsyncIterable<Buffer>,
  mapping: JsonFeedMapping,
  encoding: string,
  subject: string,
  limit: number,
): AsyncGenerator<FeedBatch> {
  const file = await wholeFile(
    bytes,
    limit,
    () => `${subject} is JSON larger than ${limit} bytes: send it as CSV`,
  );
  let document: unknown;
  try {
    document = JSON.parse(iconv.decode(file, encoding));
  } catch (error) {
    throw new FeedRefused(`${subject} is not valid JSON: ${(error as Error).message}`);
  }
  const list = valueAt(document, mapping.rows === '' ? [] : mapping.rows.split('.'));
  if (!Array.isArray(list))
    throw new FeedRefused(
      `${subject} has no array of rows at ${JSON.stringify(mapping.rows || '(the top)')}`,
    );
  const paths = FEED_FIELDS.map((field) => mapping.columns[field]?.split('.'));
  const reader = new RowReader({ decimal: '.' }, mapping.defaultCurrency, (f) => `${mapping.columns[f]}`);
  const cells: Cell[] = [];
  for (let start = 0; start < list.length; start += BATCH_ROWS) {
    const batch: FeedBatch = { rows: [], errors: [] };
    for (let i = start; i < Math.min(start + BATCH_ROWS, list.length); i++) {
      const item: unknown = list[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        batch.errors.push({ row: i + 1, field: 'row', reason: `is ${describe(item)}, not an object` });
        continue;
      }
      paths.forEach(
        (path, at) => (cells[at] = path === undefined ? undefined : jsonCell(valueAt(item, path))),
      );
      const found = reader.read(i + 1, cells, batch.errors);
      if (found) batch.rows.push(found);
    }
    yield batch;
  }
}

/** A dotted path into a JSON value; a numeric step indexes an array. Only a value's own keys are followed. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const step of path) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, step)) return undefined;
    at = (at as Record<string, unknown>)[step];
  }
  return at;
}

function jsonCell(value: unknown): Cell {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return new CellProblem(`is ${describe(value)}, not a value`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { isValidGtin } from '../domain/gtin.ts';
import { money, toDecimalString } from '../domain/money.ts';
import { feedMapping, type FeedMapping } from './feed-mapping.ts';
import { FeedRefused, readFeed, readFeedAll } from './read-feed.ts';

type MappingInput = Parameters<typeof feedMapping.parse>[0];

function csv(over: Record<string, unknown>): FeedMapping {
  return feedMapping.parse({ format: 'csv', ...over } as MappingInput);
}

/** The bytes as a stream of `size`-byte chunks: every feature must survive any split. */
async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const BASIC = csv({
  defaultCurrency: 'EUR',
  columns: { supplierSku: 'sku', cost: 'cost', stock: 'stock' },
});

async function refusal(input: Buffer | AsyncIterable<Buffer>, mapping: FeedMapping, fileName?: string) {
  const error = await readFeedAll(input, mapping, { fileName }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedRefused);
  return (error as FeedRefused).reason;
}

describe('the feed mapping', () => {
  it('fills the CSV defaults', () => {
    expect(csv({ columns: { supplierSku: 'sku' } })).toEqual({
      format: 'csv',
      delimiter: ',',
      quote: '"',
      header: true,
      encoding: 'utf-8',
      decimal: '.',
      columns: { supplierSku: 'sku' },
    });
  });

  it.each([
    [{ decimal: ',', thousands: ',' }, 'thousands'],
    [{ encoding: 'klingon-1' }, 'encoding'],
    [{ header: false }, 'columns'], // a header name without a header row
    [{ columns: { supplierSku: 'sku', cost: 'cost' } }, 'defaultCurrency'], // a cost in no currency
    [{ delimiter: '"' }, 'delimiter'],
    [{ delimiter: '";' }, 'delimiter'], // a delimiter holding the quote
    [{ defaultCurrency: 'EURO' }, 'defaultCurrency'],
    [{ columns: { supplierSku: 'sku', price: 'p' } }, 'columns'], // not a field
  ])('refuses %j', (over, path) => {
    const result = feedMapping.safeParse({ format: 'csv', columns: { supplierSku: 'sku' }, ...over });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path[0])).toContain(path);
  });

  it('takes a JSON mapping with paths', () => {
    const m = feedMapping.parse({ format: 'json', rows: 'data.items', columns: { supplierSku: 'id' } });
    expect(m).toEqual({ format: 'json', rows: 'data.items', columns: { supplierSku: 'id' } });
    expect(feedMapping.safeParse({ format: 'json', columns: { supplierSku: 'a..b' } }).success).toBe(false);
  });
});

describe('CSV feeds', () => {
  it('reads ; delimited rows; row numbers count the header as row 1', async () => {
    const mapping = csv({ ...BASIC, delimiter: ';' });
    const { rows, errors } = await readFeedAll(
      Buffer.from('sku;cost;stock\nA1;12.50;3\nA2;0.99;0\n'),
      mapping,
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { row: 2, supplierSku: 'A1', cost: money(1250, 'EUR'), stock: 3 },
      { row: 3, supplierSku: 'A2', cost: money(99, 'EUR'), stock: 0 },
    ]);
  });

  it('reads a file without a header by 1-based positions, its first line being row 1', async () => {
    const mapping = csv({ header: false, defaultCurrency: 'USD', columns: { supplierSku: 2, cost: 4 } });
    const { rows } = await readFeedAll(Buffer.from('x,A1,y,5.00\nx,A2,y,6\n'), mapping);
    expect(rows.map((r) => [r.row, r.supplierSku, r.cost?.amount])).toEqual([
      [1, 'A1', 500],
      [2, 'A2', 600],
    ]);
  });

  it('strips a UTF-8 byte order mark and reads Windows line ends', async () => {
    const text = '\ufeffsku,cost,stock\r\nA1,1.00,1\r\nA2,2.00,2\r\n\r\n\r\n';
    const { rows, errors } = await readFeedAll(chunks(Buffer.from(text), 1), BASIC);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.row, r.supplierSku, r.stock])).toEqual([
      [2, 'A1', 1],
      [3, 'A2', 2],
    ]);
  });

  it('reads quoted values with delimiters, doubled quotes and line breaks', async () => {
    const text = 'sku,cost,stock\n"A,1",1.00,1\n"say ""hi""",2.00,2\n"two\nlines",3.00,3\nB 12" x,4.00,4\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), BASIC);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.row, r.supplierSku])).toEqual([
      [2, 'A,1'],
      [3, 'say "hi"'],
      [4, 'two\nlines'],
      [5, 'B 12" x'], // a quote inside an unquoted value is a character
    ]);
  });

  it("quotes with ' when the mapping says so", async () => {
    const mapping = csv({ ...BASIC, quote: "'" });
    const { rows } = await readFeedAll(Buffer.from("sku,cost,stock\n'O''Neil, L',1.00,1\n"), mapping);
    expect(rows[0]!.supplierSku).toBe("O'Neil, L");
    const unquoted = csv({ ...BASIC, quote: '', delimiter: '\t' });
    const plain = await readFeedAll(Buffer.from('sku\tcost\tstock\n"A"\t1\t1\n'), unquoted);
    expect(plain.rows[0]!.supplierSku).toBe('"A"');
  });

  it('counts blank lines in the row numbers and skips blank rows (;;;)', async () => {
    const mapping = csv({ ...BASIC, delimiter: ';' });
    const text = 'sku;cost;stock\nA1;1;1\n\n;;\nA2;2;2\n;;\n\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), mapping);
    expect(errors).toEqual([]);
    expect(rows.map((r) => r.row)).toEqual([2, 5]);
  });

  it('reads lines ended by CR alone, and mixed line ends', async () => {
    const text = 'sku,cost,stock\rA1,1,1\r\nA2,2,2\nA3,3,3';
    const { rows } = await readFeedAll(Buffer.from(text), BASIC);
    expect(rows.map((r) => [r.row, r.supplierSku])).toEqual([
      [2, 'A1'],
      [3, 'A2'],
      [4, 'A3'],
    ]);
  });

  it('reads a delimiter of several characters, cut between chunks', async () => {
    const mapping = csv({ ...BASIC, delimiter: '||' });
    const text = 'sku||cost||stock\n"A||1"||1.00||1\nA2||2.00||2\n';
    const { rows } = await readFeedAll(chunks(Buffer.from(text), 3), mapping);
    expect(rows.map((r) => [r.row, r.supplierSku, r.stock])).toEqual([
      [2, 'A||1', 1],
      [3, 'A2', 2],
    ]);
  });

  it('matches header names trimmed, then ignoring case', async () => {
    const mapping = csv({ defaultCurrency: 'EUR', columns: { supplierSku: 'Artikel', cost: 'EK Preis' } });
    const { rows } = await readFeedAll(Buffer.from(' ARTIKEL , EK Preis \nA1,1.00\n'), mapping);
    expect(rows[0]).toMatchObject({ supplierSku: 'A1', cost: money(100, 'EUR') });
  });
});

describe('amounts and numbers', () => {
  const GERMAN = csv({
    delimiter: ';',
    decimal: ',',
    thousands: '.',
    defaultCurrency: 'EUR',
    columns: { supplierSku: 'sku', cost: 'cost', map: 'map', stock: 'stock' },
  });

  it('reads decimal commas and thousands dots exactly', async () => {
    const text = 'sku;cost;map;stock\nA1;12,50;1.234,56;1.000\nA2;0,5;1234567,89;7\nA3;3;,99;0\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), GERMAN);
    expect(errors).toEqual([]);
    expect(rows.map((r) => [r.cost?.amount, r.map?.amount, r.stock])).toEqual([
      [1250, 123456, 1000],
      [50, 123456789, 7],
      [300, 99, 0],
    ]);
  });

  it('refuses what the separators do not allow, naming the field', async () => {
    const text = 'sku;cost;map;stock\nA1;12.50;1,234;1\nA2;1,2,3;-1;2,5\nA3;1.23;1e3;x\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), GERMAN);
    expect(rows).toEqual([]);
    expect(errors.map((e) => [e.row, e.field])).toEqual([
      [2, 'cost'], // 12.50: a thousands group of two digits, not a decimal point
      [2, 'map'], // 1,234: three decimals, EUR has two
      [3, 'cost'],
      [3, 'stock'],
      [3, 'map'],
      [4, 'cost'],
      [4, 'stock'],
      [4, 'map'],
    ]);
    expect(errors[1]!.reason).toBe('"1,234" has 3 decimals; EUR has 2');
    expect(errors[3]!.reason).toBe('"2,5" is not a whole number');
    expect(errors[4]!.reason).toBe('"-1" is negative');
  });

  it('reads JPY without decimals and KWD with three', async () => {
    const mapping = csv({ columns: { supplierSku: 'sku', cost: 'cost', currency: 'cur' } });
    const text =
      'sku,cost,cur\nJ1,1500,JPY\nJ2,1500.00,JPY\nJ3,1500.5,JPY\nK1,1.250,KWD\nK2,0.5,kwd\nK3,1.2505,KWD\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), mapping);
    expect(rows.map((r) => [r.supplierSku, r.cost])).toEqual([
      ['J1', money(1500, 'JPY')],
      ['J2', money(1500, 'JPY')], // zeros past the currency's digits change nothing
      ['K1', money(1250, 'KWD')],
      ['K2', money(500, 'KWD')],
    ]);
    expect(errors).toEqual([
      {
        row: 4,
        field: 'cost',
        column: 'cost',
        reason: '"1500.5" has 1 decimals; JPY has none',
        supplierSku: 'J3',
      },
      {
        row: 7,
        field: 'cost',
        column: 'cost',
        reason: '"1.2505" has 4 decimals; KWD has 3',
        supplierSku: 'K3',
      },
    ]);
  });

  it('takes the row currency over the default, and refuses an unknown one without judging the cost', async () => {
    const mapping = csv({
      defaultCurrency: 'EUR',
      columns: { supplierSku: 'sku', cost: 'cost', currency: 'cur' },
    });
    const { rows, errors } = await readFeedAll(
      Buffer.from('sku,cost,cur\nA,1.00,usd\nB,2.00,\nC,x,EURO\n'),
      mapping,
    );
    expect(rows.map((r) => r.cost)).toEqual([money(100, 'USD'), money(200, 'EUR')]);
    expect(errors).toEqual([
      {
        row: 4,
        field: 'currency',
        column: 'cur',
        reason: '"EURO" is not an ISO 4217 currency code',
        supplierSku: 'C',
      },
    ]);
  });

  it('reads spaces (no-break ones too) and apostrophes as thousands separators', async () => {
    const spaces = csv({
      decimal: ',',
      thousands: ' ',
      defaultCurrency: 'EUR',
      delimiter: ';',
      columns: { supplierSku: 'sku', cost: 'cost' },
    });
    const swiss = csv({
      thousands: "'",
      defaultCurrency: 'CHF',
      columns: { supplierSku: 'sku', cost: 'cost' },
    });
    const a = await readFeedAll(Buffer.from('sku;cost\nA;1 234,50\nB;1\u00a0234,50\n'), spaces);
    const b = await readFeedAll(Buffer.from("sku,cost\nA,1'234.50\n"), swiss);
    expect([...a.rows, ...b.rows].map((r) => r.cost?.amount)).toEqual([123450, 123450, 123450]);
  });
});

describe('every bad row is reported, and the good rows still come', () => {
  const FULL = csv({
    defaultCurrency: 'EUR',
    columns: {
      supplierSku: 'sku',
      gtin: 'gtin',
      cost: 'cost',
      stock: 'stock',
      leadDays: 'lead',
      shipFromCountry: 'country',
      shipFromRegion: 'region',
      packSize: 'pack',
      minQuantity: 'moq',
      map: 'map',
      discontinued: 'disc',
    },
  });
  const HEADER = 'sku,gtin,cost,stock,lead,country,region,pack,moq,map,disc\n';

  it('reads every field', async () => {
    const text = `${HEADER}A1,4006381333931,9.99,12,3,de,BY,6,2,14.99,no\n`;
    const { rows } = await readFeedAll(Buffer.from(text), FULL);
    expect(rows).toEqual([
      {
        row: 2,
        supplierSku: 'A1',
        gtin: '4006381333931',
        cost: money(999, 'EUR'),
        stock: 12,
        leadDays: 3,
        shipFrom: { country: 'DE', region: 'BY' },
        packSize: 6,
        minQuantity: 2,
        map: money(1499, 'EUR'),
        discontinued: false,
      },
    ]);
  });

  it('lists each failing field of a row, and leaves the row out', async () => {
    const text =
      HEADER +
      'A1,4006381333931,9.99,12,3,DE,,1,1,,yes\n' +
      ',4006381333932,nine,-1,1.5,Germany,,0,1,,maybe\n' +
      'A3,,1.00,1,0,,BY,1,1,,\n' +
      'A4,,1.00,1,0,,,1,1,,1\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), FULL);
    expect(rows.map((r) => [r.row, r.supplierSku, r.discontinued])).toEqual([
      [2, 'A1', true],
      [5, 'A4', true],
    ]);
    expect(errors.map((e) => [e.row, e.field, e.column])).toEqual([
      [3, 'supplierSku', 'sku'],
      [3, 'shipFromCountry', 'country'],
      [3, 'gtin', 'gtin'],
      [3, 'cost', 'cost'],
      [3, 'stock', 'stock'],
      [3, 'leadDays', 'lead'],
      [3, 'packSize', 'pack'],
      [3, 'discontinued', 'disc'],
      [4, 'shipFromRegion', 'region'],
    ]);
    expect(errors.find((e) => e.field === 'packSize')!.reason).toBe('"0" is less than 1');
    expect(errors.find((e) => e.field === 'supplierSku')!.reason).toBe('is empty');
  });

  it('explains GTIN failures: check digit, length, spreadsheet damage', async () => {
    const mapping = csv({ columns: { supplierSku: 'sku', gtin: 'gtin' } });
    const text =
      'sku,gtin\nA,4006381333932\nB,12345678905\nC,4.00638E+12\nD,400638133393X\n' +
      'E,036000291452\nF,96385074\nG,10036000291459\nH,4006381333931\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), mapping);
    expect(rows.map((r) => r.gtin)).toEqual(['036000291452', '96385074', '10036000291459', '4006381333931']);
    expect(errors.map((e) => e.reason)).toEqual([
      '"4006381333932" has check digit 2; it should be 1',
      '"12345678905" has 11 digits; a GTIN has 8, 12, 13 or 14 (a UPC-A whose leading zero a spreadsheet dropped?)',
      '"4.00638E+12" is in scientific notation: a spreadsheet dropped its digits',
      '"400638133393X" is not all digits',
    ]);
  });

  it('refuses a row with more values than the header (an unquoted decimal comma), and names short rows', async () => {
    const text = 'sku,cost,stock\nA1,12,50,3\nA2,1.00,2,,,\nA3,1.00\n';
    const { rows, errors } = await readFeedAll(Buffer.from(text), BASIC);
    expect(rows.map((r) => r.supplierSku)).toEqual(['A2']); // empty trailing cells are no values
    expect(errors).toEqual([
      {
        row: 2,
        field: 'row',
        reason: 'has 4 values where the header has 3 columns: is a value with "," not quoted?',
        supplierSku: 'A1',
      },
      {
        row: 4,
        field: 'stock',
        column: 'stock',
        reason: 'the row has 2 columns: "stock" is missing',
        supplierSku: 'A3',
      },
    ]);
  });

  it('refuses text with bytes the encoding could not read (a wrong encoding in the mapping)', async () => {
    const bytes = Buffer.concat([Buffer.from('sku\n'), iconv.encode('Café\n', 'windows-1252')]);
    const { errors } = await readFeedAll(bytes, csv({ columns: { supplierSku: 'sku' } }));
    expect(errors).toEqual([
      {
        row: 2,
        field: 'supplierSku',
        column: 'sku',
        reason: expect.stringContaining('not text in the mapping'),
      },
    ]);
  });
});

describe('encodings', () => {
  it('decodes windows-1252 as it streams', async () => {
    const mapping = csv({ encoding: 'windows-1252', delimiter: ';', columns: { supplierSku: 'Artikel' } });
    const bytes = iconv.encode('Artikel\r\nCafé\r\nGrüße €5\r\n', 'windows-1252');
    const { rows } = await readFeedAll(chunks(bytes, 3), mapping);
    expect(rows.map((r) => r.supplierSku)).toEqual(['Café', 'Grüße €5']);
  });

  it('reads a UTF-8 character split across chunks', async () => {
    const { rows } = await readFeedAll(
      chunks(Buffer.from('sku\nCafé\n日本\n'), 1),
      csv({ columns: { supplierSku: 'sku' } }),
    );
    expect(rows.map((r) => r.supplierSku)).toEqual(['Café', '日本']);
  });

  it('follows a UTF-16 byte order mark whatever the mapping says', async () => {
    const bytes = iconv.encode('sku\r\nCafé\r\n', 'utf-16le', { addBOM: true });
    const { rows } = await readFeedAll(chunks(bytes, 5), csv({ columns: { supplierSku: 'sku' } }));
    expect(rows.map((r) => r.supplierSku)).toEqual(['Café']);
  });
});

describe('files that are not what they say are refused', () => {
  const xlsx = Buffer.concat([
    Buffer.from('PK\x03\x04\x14\x00\x06\x00', 'latin1'),
    Buffer.from('[Content_Types].xml ... xl/workbook.xml ... xl/worksheets/sheet1.xml'),
  ]);

  it.each([
    ['a PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), '"prices.csv" is a PDF, not CSV'],
    ['an Excel workbook', xlsx, '"prices.csv" is an Excel workbook (.xlsx), not CSV'],
    ['a ZIP', Buffer.from('PK\x03\x04\x14\x00stock.csv', 'latin1'), '"prices.csv" is a ZIP archive, not CSV'],
    ['an old Excel file', Buffer.from('d0cf11e0a1b11ae100000000', 'hex'), 'Excel 97-2003'],
    ['gzip', Buffer.from('1f8b0800000000000003', 'hex'), 'gzip-compressed'],
    [
      'an HTML error page',
      Buffer.from('\ufeff \r\n <!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>'),
      'is an HTML page',
    ],
    ['HTML without a doctype', Buffer.from('<html><head><title>Login</title>'), 'is an HTML page'],
    ['binary with NUL bytes', Buffer.from('sku\nA1\0\0\0\n'), 'has NUL bytes'],
    ['an empty file', Buffer.from('\ufeff  \r\n'), 'is empty'],
  ])('refuses %s', async (_, bytes, reason) => {
    expect(await refusal(chunks(bytes, 7), BASIC, 'prices.csv')).toContain(reason);
  });

  it('refuses a header without a mapped column, naming it (before any row)', async () => {
    const mapping = csv({ defaultCurrency: 'EUR', columns: { supplierSku: 'sku', cost: 'Preis', stock: 4 } });
    expect(await refusal(Buffer.from('sku,price,stock\nA1,1,1\n'), mapping)).toBe(
      'the header has no column "Preis" (cost), column 4 (stock)',
    );
  });

  it('refuses a header that has a mapped column twice', async () => {
    const mapping = csv({ columns: { supplierSku: 'SKU' } });
    const twice = 'the header has more than one column "SKU" (supplierSku)';
    expect(await refusal(Buffer.from('SKU,SKU\nA,B\n'), mapping)).toBe(twice);
    expect(await refusal(Buffer.from('sku,Sku\nA,B\n'), mapping)).toBe(twice);
    const { rows } = await readFeedAll(Buffer.from('sku,SKU\nA,B\n'), mapping); // the exact name wins
    expect(rows[0]!.supplierSku).toBe('B');
  });

  it('refuses CSV whose quote never closes, naming the row it opens in', async () => {
    expect(await refusal(Buffer.from('sku,cost,stock\nA1,1,1\n"A2,2,2\nA3,3,3\n'), BASIC)).toBe(
      'the file cannot be read on as CSV: Quote Not Closed: the quoted value in row 3 never ends',
    );
  });

  it('refuses a file without a header row', async () => {
    expect(await refusal(Buffer.from('\n\n,,\n'), BASIC)).toBe('the file has no header row');
  });

  it('reads a header-only file as no rows', async () => {
    expect(await readFeedAll(Buffer.from('sku,cost,stock\r\n'), BASIC)).toEqual({ rows: [], errors: [] });
  });
});

describe('JSON feeds', () => {
  const mapping = feedMapping.parse({
    format: 'json',
    rows: 'data.items',
    columns: {
      supplierSku: 'sku',
      cost: 'price.amount',
      currency: 'price.currency',
      stock: 'inventory.0.available',
      shipFromCountry: 'origin.country',
      discontinued: 'flags.discontinued',
    },
  });

  it('reads rows at the mapped path, values at nested paths', async () => {
    const document = {
      data: {
        items: [
          {
            sku: 'A1',
            price: { amount: 12.5, currency: 'EUR' },
            inventory: [{ available: 3 }],
            origin: { country: 'DE' },
            flags: { discontinued: true },
          },
          { sku: 42, price: { amount: '1500', currency: 'JPY' } },
          { sku: 'A3', price: { amount: 0.1, currency: 'KWD' }, inventory: [{ available: '7' }] },
        ],
      },
    };
    const { rows, errors } = await readFeedAll(
      chunks(Buffer.from(`\ufeff${JSON.stringify(document)}`), 10),
      mapping,
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      {
        row: 1,
        supplierSku: 'A1',
        cost: money(1250, 'EUR'),
        stock: 3,
        shipFrom: { country: 'DE' },
        discontinued: true,
      },
      { row: 2, supplierSku: '42', cost: money(1500, 'JPY') },
      { row: 3, supplierSku: 'A3', cost: money(100, 'KWD'), stock: 7 },
    ]);
  });

  it('reports bad rows by their position in the array', async () => {
    const items = [
      { sku: 'A1', price: { amount: 1.005, currency: 'EUR' } },
      'not a row',
      { sku: { id: 1 }, price: { amount: 1, currency: 'EUR' }, inventory: [{ available: -2 }] },
      { sku: 'A4' },
    ];
    const { rows, errors } = await readFeedAll(Buffer.from(JSON.stringify({ data: { items } })), mapping);
    expect(rows.map((r) => r.row)).toEqual([4]);
    expect(errors).toEqual([
      {
        row: 1,
        field: 'cost',
        column: 'price.amount',
        reason: '"1.005" has 3 decimals; EUR has 2',
        supplierSku: 'A1',
      },
      { row: 2, field: 'row', reason: 'is a string, not an object' },
      { row: 3, field: 'supplierSku', column: 'sku', reason: 'is an object, not a value' },
      { row: 3, field: 'stock', column: 'inventory.0.available', reason: '"-2" is negative' },
    ]);
  });

  it('reads a document that is the array itself', async () => {
    const top = feedMapping.parse({ format: 'json', columns: { supplierSku: 'id' } });
    const { rows } = await readFeedAll(Buffer.from('[{"id":"A"},{"id":"B"}]'), top);
    expect(rows.map((r) => r.supplierSku)).toEqual(['A', 'B']);
  });

  it('refuses a document past the size limit', async () => {
    const reason = await readFeedAll(Buffer.from('[{"id":"A"}]'), mapping, { maxJsonBytes: 8 }).catch(
      (e: FeedRefused) => e.reason,
    );
    expect(reason).toBe('the file is JSON larger than 8 bytes: send it as CSV');
  });

  it('refuses a document without the rows array, invalid JSON, and an HTML page', async () => {
    expect(await refusal(Buffer.from('{"data":{"item":[]}}'), mapping)).toBe(
      'the file has no array of rows at "data.items"',
    );
    expect(await refusal(Buffer.from('{"data":'), mapping)).toContain('the file is not valid JSON');
    expect(await refusal(Buffer.from('<!doctype html><title>404</title>'), mapping, 'feed.json')).toBe(
      '"feed.json" is an HTML page (a web server error page?), not JSON',
    );
  });
});

describe('streaming', () => {
  it('hands out a large buffer in batches, not all at once', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `S${i},1.00,${i}`);
    const bytes = Buffer.from(`sku,cost,stock\n${lines.join('\n')}\n`);
    const sizes: number[] = [];
    for await (const batch of readFeed(bytes, BASIC)) sizes.push(batch.rows.length);
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('closes the source when the reader stops early', async () => {
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; ; i++)
          yield Buffer.from(i === 0 ? 'sku,cost,stock\n' : `${'A,1,1\n'.repeat(20_000)}`);
      } finally {
        closed = true;
      }
    }
    for await (const batch of readFeed(source(), BASIC)) if (batch.rows.length > 0) break;
    expect(closed).toBe(true);
  });
});

// --- The round trip: rows written as a supplier might write them come back the same --------------------------

const CURRENCIES = ['EUR', 'USD', 'JPY', 'KWD'] as const;
const SKU_CHARS = [...'AZaz09-_ ./,;|\'"\téüß€\n'];

function gtinArbitrary() {
  return fc
    .tuple(
      fc.constantFrom(8, 12, 13, 14),
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 13, maxLength: 13 }),
    )
    .map(([length, digits]) => {
      const body = digits.slice(0, length - 1).join('');
      return [...'0123456789'].map((d) => body + d).find(isValidGtin)!;
    });
}

const settingsArbitrary = fc
  .record({
    delimiter: fc.constantFrom(',', ';', '\t', '|'),
    quote: fc.constantFrom('"', "'"),
    decimal: fc.constantFrom('.', ','),
    thousands: fc.constantFrom(undefined, ',', '.', ' ', "'"),
    header: fc.boolean(),
    lineEnd: fc.constantFrom('\n', '\r\n'),
    encoding: fc.constantFrom('utf-8', 'windows-1252'),
    bom: fc.boolean(),
    chunk: fc.integer({ min: 1, max: 97 }),
  })
  .filter((s) => s.thousands !== s.decimal);

const rowArbitrary = fc.record({
  supplierSku: fc
    .string({ unit: fc.constantFrom(...SKU_CHARS), minLength: 1, maxLength: 10 })
    .filter((s) => s.trim() === s && s !== ''),
  gtin: fc.option(gtinArbitrary(), { nil: undefined }),
  currency: fc.constantFrom(...CURRENCIES),
  cost: fc.option(fc.integer({ min: 1, max: 1_000_000_000 }), { nil: undefined }),
  stock: fc.option(fc.nat({ max: 5_000_000 }), { nil: undefined }),
  discontinued: fc.option(fc.boolean(), { nil: undefined }),
  /** How the figure's decimals are written: as the currency has them, trailing zeros dropped, or zeros added. */
  decimals: fc.constantFrom('exact', 'trimmed', 'padded'),
  blankLineAfter: fc.boolean(),
});

type Settings = typeof settingsArbitrary extends fc.Arbitrary<infer S> ? S : never;

/** A figure as the supplier's settings write it: their decimal mark, their thousands groups, their decimals. */
function written(decimal: string, s: Settings, decimals = 'exact'): string {
  const [whole, exact] = decimal.split('.') as [string, string | undefined];
  const fraction =
    decimals === 'trimmed'
      ? exact?.replace(/0+$/, '') || undefined
      : decimals === 'padded'
        ? `${exact ?? ''}00`
        : exact;
  const grouped = s.thousands === undefined ? whole : whole.replace(/\B(?=(\d{3})+$)/g, s.thousands);
  return fraction === undefined ? grouped : `${grouped}${s.decimal}${fraction}`;
}

function cellText(value: string, s: Settings): string {
  const needsQuotes = [s.delimiter, s.quote, '\r', '\n'].some((c) => value.includes(c));
  return needsQuotes ? s.quote + value.replaceAll(s.quote, s.quote + s.quote) + s.quote : value;
}

describe('the round trip', () => {
  it('reads back what was written, for any delimiter, quote, decimal mark, encoding and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        settingsArbitrary,
        fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }),
        async (s, rows) => {
          const names = ['sku', 'gtin', 'price', 'cur', 'qty', 'note', 'eol'];
          const lines = s.header ? [names.join(s.delimiter)] : [];
          const expected = [];
          for (const r of rows) {
            const cost =
              r.cost === undefined ? '' : written(toDecimalString(money(r.cost, r.currency)), s, r.decimals);
            const stock = r.stock === undefined ? '' : written(String(r.stock), s);
            const eol = r.discontinued === undefined ? '' : r.discontinued ? 'yes' : 'n';
            const cells = [r.supplierSku, r.gtin ?? '', cost, r.currency, stock, 'x, "y"', eol];
            lines.push(cells.map((c) => cellText(c, s)).join(s.delimiter));
            expected.push({
              row: lines.length,
              supplierSku: r.supplierSku,
              gtin: r.gtin,
              cost: r.cost === undefined ? undefined : money(r.cost, r.currency),
              stock: r.stock,
              discontinued: r.discontinued,
            });
            if (r.blankLineAfter) lines.push('');
          }
          const text = lines.join(s.lineEnd) + s.lineEnd;
          const bom = s.bom && s.encoding === 'utf-8' ? '\ufeff' : '';
          const bytes = iconv.encode(bom + text, s.encoding);
          const at = (i: number) => (s.header ? names[i - 1]! : i);
          const mapping = csv({
            delimiter: s.delimiter,
            quote: s.quote,
            decimal: s.decimal,
            thousands: s.thousands,
            header: s.header,
            encoding: s.encoding,
            columns: {
              supplierSku: at(1),
              gtin: at(2),
              cost: at(3),
              currency: at(4),
              stock: at(5),
              discontinued: at(7),
            },
          });
          const result = await readFeedAll(chunks(bytes, s.chunk), mapping);
          expect(result.errors).toEqual([]);
          expect(result.rows).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('amounts that cannot be meant', () => {
  it('refuses a cost or MAP of 0 and one past a billion units, naming the field; the other rows still read', async () => {
    const mapping = csv({
      defaultCurrency: 'USD',
      columns: { supplierSku: 'sku', cost: 'cost', map: 'map' },
    });
    const { rows, errors } = await readFeedAll(
      Buffer.from('sku,cost,map\nA,0.00,\nB,12.50,0\nC,1000000000.01,\nD,999999999.99,1000000000\n'),
      mapping,
    );
    expect(rows.map((r) => [r.supplierSku, r.cost?.amount, r.map?.amount])).toEqual([
      ['D', 99_999_999_999, 100_000_000_000],
    ]);
    expect(errors.map((e) => [e.row, e.field, e.supplierSku])).toEqual([
      [2, 'cost', 'A'],
      [3, 'map', 'B'],
      [4, 'cost', 'C'],
    ]);
    expect(errors[0]!.reason).toMatch(/is 0/);
    expect(errors[2]!.reason).toMatch(/more than 1000000000 USD/);
  });
});

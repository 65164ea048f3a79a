import { describe, expect, it } from 'vitest';
import writeExcelFile, { type SheetData } from 'write-excel-file/node';
import { money } from '../domain/money.ts';
import { feedMapping, type FeedMapping } from './feed-mapping.ts';
import { FeedRefused, readFeedAll } from './read-feed.ts';

type MappingInput = Parameters<typeof feedMapping.parse>[0];

function xlsx(over: Record<string, unknown>): FeedMapping {
  return feedMapping.parse({ format: 'xlsx', ...over } as MappingInput);
}

/** A real workbook, as a supplier's spreadsheet program saves it (write-excel-file writes what Excel reads). */
function workbook(...sheets: { sheet: string; data: SheetData }[]): Promise<Buffer> {
  return writeExcelFile(sheets).toBuffer();
}

async function refusal(bytes: Buffer, mapping: FeedMapping, fileName?: string): Promise<string> {
  const error = await readFeedAll(bytes, mapping, { fileName }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FeedRefused);
  return (error as FeedRefused).reason;
}

const PRICES = xlsx({
  defaultCurrency: 'EUR',
  columns: { supplierSku: 'SKU', gtin: 'EAN', cost: 'Preis', stock: 'Bestand', discontinued: 'Auslauf' },
});

describe('the XLSX mapping', () => {
  it('fills the defaults, and takes a sheet by name or number', () => {
    expect(xlsx({ columns: { supplierSku: 'sku' } })).toEqual({
      format: 'xlsx',
      header: true,
      columns: { supplierSku: 'sku' },
    });
    expect(xlsx({ sheet: 'Preise', columns: { supplierSku: 2 } }).format).toBe('xlsx');
  });

  it.each([
    [{ header: false, columns: { supplierSku: 'SKU Nr' } }, 'columns'], // not a column letter
    [{ header: false, columns: { supplierSku: 'XFE' } }, 'columns'], // past Excel's last column
    [{ columns: { supplierSku: 'sku', cost: 'cost' } }, 'defaultCurrency'],
    [{ sheet: 0, columns: { supplierSku: 'sku' } }, 'sheet'],
  ])('refuses %j', (over, path) => {
    const result = feedMapping.safeParse({ format: 'xlsx', ...over });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path[0])).toContain(path);
  });
});

describe('XLSX feeds', () => {
  it('reads numbers, GTINs and flags from their cells; row numbers are the sheet rows', async () => {
    const bytes = await workbook({
      sheet: 'Preise',
      data: [
        [null], // a title row left empty: the header is the first row with a value
        ['SKU', 'EAN', 'Preis', 'Bestand', 'Auslauf'],
        ['A1', 4006381333931, 12.3, 5, false],
        [null, null, null, null, null],
        ['A2', '036000291452', 19.99, 0, true],
        [1042, null, 1500, '7', 'ja'],
      ],
    });
    const { rows, errors } = await readFeedAll(bytes, PRICES);
    expect(rows).toEqual([
      {
        row: 3,
        supplierSku: 'A1',
        gtin: '4006381333931',
        cost: money(1230, 'EUR'), // 12.3 is 12.30, never 12.299999…
        stock: 5,
        discontinued: false,
      },
      {
        row: 5,
        supplierSku: 'A2',
        gtin: '036000291452',
        cost: money(1999, 'EUR'),
        stock: 0,
        discontinued: true,
      },
    ]);
    expect(errors).toEqual([
      {
        row: 6,
        field: 'discontinued',
        column: 'Auslauf',
        reason: '"ja" is not one of true/false, yes/no, y/n, 1/0, x',
        supplierSku: '1042',
      },
    ]);
  });

  it('refuses amounts a number cell holds past the currency, and GTINs a number cell has damaged', async () => {
    const bytes = await workbook({
      sheet: 'Sheet1',
      data: [
        ['SKU', 'EAN', 'Preis'],
        ['A1', 36000291452, 0.1 + 0.2], // a UPC-A stored as a number; a sum a formula left unrounded
        ['A2', 1.2345678901234568e18, 1e-7], // 19 digits, rounded; a tiny number JavaScript prints as 1e-7
        ['A3', 4006381333931, 12345678.9],
      ],
    });
    const mapping = xlsx({
      defaultCurrency: 'EUR',
      columns: { supplierSku: 'SKU', gtin: 'EAN', cost: 'Preis' },
    });
    const { rows, errors } = await readFeedAll(bytes, mapping);
    expect(rows).toEqual([
      { row: 4, supplierSku: 'A3', gtin: '4006381333931', cost: money(1234567890, 'EUR') },
    ]);
    expect(errors.map((e) => [e.row, e.column, e.reason])).toEqual([
      [2, 'EAN', expect.stringContaining('"36000291452" has 11 digits; a GTIN has 8, 12, 13 or 14 (a UPC-A')],
      [2, 'Preis', '"0.30000000000000004" has 17 decimals; EUR has 2'],
      [
        3,
        'EAN',
        expect.stringContaining('1234567890123456800 is a number past the 15 digits a spreadsheet keeps'),
      ],
      [3, 'Preis', '"0.0000001" has 7 decimals; EUR has 2'],
    ]);
  });

  it('reads columns by number or, without a header, by letter; errors name the letter', async () => {
    const data: SheetData = [
      ['x', 'A1', 'y', 5],
      ['x', 'A2', 'y', 'viele'],
    ];
    const bytes = await workbook({ sheet: 'Sheet1', data });
    const byLetter = xlsx({ header: false, columns: { supplierSku: 'B', stock: 'd' } });
    const byNumber = xlsx({ header: false, columns: { supplierSku: 2, stock: 4 } });
    for (const mapping of [byLetter, byNumber]) {
      const { rows, errors } = await readFeedAll(bytes, mapping);
      expect(rows).toEqual([{ row: 1, supplierSku: 'A1', stock: 5 }]);
      expect(errors).toEqual([
        {
          row: 2,
          field: 'stock',
          column: 'D',
          reason: expect.stringContaining('"viele" is not a whole number'),
          supplierSku: 'A2',
        },
      ]);
    }
  });

  it('reads the sheet the mapping names, and refuses a sheet the workbook lacks', async () => {
    const bytes = await workbook(
      { sheet: 'Info', data: [['Preisliste 2026']] },
      { sheet: 'Preise', data: [['SKU'], ['A1']] },
    );
    for (const sheet of ['Preise', 2]) {
      const { rows } = await readFeedAll(bytes, xlsx({ sheet, columns: { supplierSku: 'SKU' } }));
      expect(rows).toEqual([{ row: 2, supplierSku: 'A1' }]);
    }
    expect(await refusal(bytes, xlsx({ sheet: 'Prices', columns: { supplierSku: 'SKU' } }))).toBe(
      'the file has no sheet "Prices"; its sheets are "Info", "Preise"',
    );
    expect(await refusal(bytes, xlsx({ columns: { supplierSku: 'SKU' } }))).toBe(
      'the header has no column "SKU" (supplierSku)',
    );
  });

  it('refuses a date where a value should be, and a sheet without a header', async () => {
    const dated = await workbook({
      sheet: 'Sheet1',
      data: [['SKU'], [{ value: new Date('2026-03-01T00:00:00Z'), format: 'dd.mm.yyyy' }]],
    });
    const { errors } = await readFeedAll(dated, xlsx({ columns: { supplierSku: 'SKU' } }));
    expect(errors.map((e) => e.reason)).toEqual([
      'is a date in the spreadsheet (2026-03-01), not a value: format the column as text',
    ]);
    const empty = await workbook({ sheet: 'Sheet1', data: [[null]] });
    expect(await refusal(empty, xlsx({ columns: { supplierSku: 'SKU' } }))).toBe(
      'the file has no header row',
    );
  });
});

describe('files that are not a workbook are refused', () => {
  const mapping = xlsx({ columns: { supplierSku: 'sku' } });

  it.each([
    ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj'), '"prices.xlsx" is a PDF, not XLSX'],
    ['CSV', Buffer.from('sku,cost\nA1,1.00\n'), '"prices.xlsx" is text, not XLSX'],
    ['an old Excel file', Buffer.from('d0cf11e0a1b11ae100000000', 'hex'), 'Excel 97-2003'],
    ['an empty ZIP', Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'), 'is a ZIP archive, not XLSX'],
  ])('refuses %s', async (_, bytes, reason) => {
    expect(await refusal(bytes, mapping, 'prices.xlsx')).toContain(reason);
  });

  it('refuses a ZIP that is no workbook, and a workbook cut short', async () => {
    const real = await workbook({ sheet: 'Sheet1', data: [['sku'], ['A1']] });
    // The same archive with its workbook part renamed: a valid ZIP, and no workbook in it.
    const renamed = Buffer.from(
      real.toString('latin1').replaceAll('xl/workbook.xml', 'xl/workbooX.xml'),
      'latin1',
    );
    expect(await refusal(renamed, mapping)).toMatch(/^the file is not a readable XLSX workbook: /);
    expect(await refusal(real.subarray(0, real.length - 100), mapping)).toMatch(
      /^the file is not a readable XLSX workbook: /,
    );
  });

  it('refuses a workbook past the size limit, and a real workbook given to a CSV mapping', async () => {
    const real = await workbook({ sheet: 'Sheet1', data: [['sku'], ['A1']] });
    const reason = await readFeedAll(real, mapping, { maxXlsxBytes: 100 }).catch(
      (e: FeedRefused) => e.reason,
    );
    expect(reason).toBe('the file is an XLSX workbook larger than 100 bytes: send it as CSV');
    const csv = feedMapping.parse({ format: 'csv', columns: { supplierSku: 'sku' } });
    expect(await refusal(real, csv, 'prices.csv')).toBe('"prices.csv" is an Excel workbook (.xlsx), not CSV');
  });
});

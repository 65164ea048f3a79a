import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { PurchaseOrderMessage } from '../supplier-transport.ts';
import { csvSftpConfig } from './credentials.ts';
import { answerFileKind, poFileBytes, poFileName, readAnswerFile } from './map.ts';

const base = { host: 'sftp.example.com', username: 'waybill' };
const config = (settings: Record<string, unknown> = {}) => csvSftpConfig.parse({ ...base, ...settings });

const PO: PurchaseOrderMessage = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  currency: 'USD',
  createdAt: new Date('2026-12-04T23:30:00Z'),
  shipTo: {
    name: 'Ann "Annie" Smith',
    line1: '1 Main St, Apt 4',
    line2: 'Back door\nring twice',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62701',
    country: 'US',
  },
  brand: 'Demo Retailer',
  lines: [
    { lineNumber: 1, supplierSku: 'P-MUG-1', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 },
    { lineNumber: 2, supplierSku: 'P-TEE-RM', sku: 'TEE-RED-M', quantity: 1, unitCost: 1205 },
  ],
};

describe('the PO file', () => {
  it('has the default columns, one row per line, quoted per RFC 4180 where an address needs it', () => {
    const { poFile } = config();
    const text = poFileBytes(PO, poFile).toString('utf8');
    expect(text.split('\r\n')[0]).toBe(
      'PO Number,Order,Date,Line Number,Supplier SKU,Quantity,Unit Cost,Currency,Ship To Name,Address 1,Address 2,' +
        'City,State,Postal Code,Country,Phone,Packing Slip Brand',
    );
    expect(text).toContain(
      'PO-01JD3K8Z9Q-ACME,ord_01JD3K8Z9Q,2026-12-04T23:30:00.000Z,1,P-MUG-1,2,4.50,USD,"Ann ""Annie"" Smith",' +
        '"1 Main St, Apt 4","Back door\nring twice",Springfield,IL,62701,US,,Demo Retailer\r\n',
    );
    // A CSV reader gets every value back as it was.
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r['Line Number'], r['Unit Cost'], r['Ship To Name'], r['Address 2']])).toEqual([
      ['1', '4.50', 'Ann "Annie" Smith', 'Back door\nring twice'],
      ['2', '12.05', 'Ann "Annie" Smith', 'Back door\nring twice'],
    ]);
  });

  it('takes custom columns, delimiter, decimal comma, date format, LF and no header', () => {
    const { poFile } = config({
      poFile: {
        delimiter: ';',
        decimal: ',',
        header: false,
        lineEnding: 'lf',
        dateFormat: 'dd.MM.yyyy',
        columns: [
          { header: 'Bestellung', field: 'poNumber' },
          { header: 'Datum', field: 'createdAt' },
          { header: 'Artikel', field: 'supplierSku' },
          { header: 'Menge', field: 'quantity' },
          { header: 'EK', field: 'unitCost' },
          { header: 'Strasse', field: 'shipTo.line1' },
        ],
      },
    });
    expect(poFileBytes(PO, poFile).toString('utf8')).toBe(
      'PO-01JD3K8Z9Q-ACME;04.12.2026;P-MUG-1;2;4,50;1 Main St, Apt 4\n' +
        'PO-01JD3K8Z9Q-ACME;04.12.2026;P-TEE-RM;1;12,05;1 Main St, Apt 4\n',
    );
  });

  it('writes a currency in its own digits', () => {
    const { poFile } = config({ poFile: { columns: [{ header: 'Cost', field: 'unitCost' }] } });
    const yen = { ...PO, currency: 'JPY', lines: [{ ...PO.lines[0]!, unitCost: 1500 }] };
    expect(poFileBytes(yen, poFile).toString('utf8')).toBe('Cost\r\n1500\r\n');
  });

  it("writes the supplier's encoding, and refuses for good a value that encoding cannot write", () => {
    const { poFile } = config({
      poFile: { encoding: 'windows-1252', columns: [{ header: 'Name', field: 'shipTo.name' }] },
    });
    const zoe = { ...PO, shipTo: { ...PO.shipTo, name: 'Zoë Müller' } };
    expect(poFileBytes(zoe, poFile)).toEqual(
      iconv.encode('Name\r\nZoë Müller\r\nZoë Müller\r\n', 'windows-1252'),
    );
    const tokyo = { ...PO, shipTo: { ...PO.shipTo, name: '山田太郎' } };
    expect(() => poFileBytes(tokyo, poFile)).toThrow(PermanentError);
    expect(() => poFileBytes(tokyo, poFile)).toThrow(
      /shipTo.name \("山田太郎"\) has characters windows-1252 cannot write/,
    );
  });

  it('is named by its template, the same for every send', () => {
    expect(poFileName(PO, config().poFile)).toBe('PO_PO-01JD3K8Z9Q-ACME.csv');
    const named = config({ poFile: { name: '{date}_{orderId}_{poNumber}.txt' } }).poFile;
    expect(poFileName(PO, named)).toBe('20261204_ord_01JD3K8Z9Q_PO-01JD3K8Z9Q-ACME.txt');
  });

  it('refuses settings that cannot name one file per PO, or name unknown fields', () => {
    const problems = (settings: Record<string, unknown>) =>
      csvSftpConfig
        .safeParse({ ...base, ...settings })
        .error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ poFile: { name: '{orderId}.csv' } })).toEqual([
      'poFile.name: must hold {poNumber}, so that each PO has a file of its own',
    ]);
    expect(problems({ poFile: { name: 'x/{poNumber}-{when}.csv' } })).toEqual([
      'poFile.name: has unknown placeholders {when}: use {poNumber}, {orderId}, {date}',
      'poFile.name: must be a plain file name (no folder, not a dot-file)',
    ]);
    expect(problems({ poFile: { columns: [{ header: 'X', field: 'shipTo.street' }] } })?.[0]).toMatch(
      /^poFile.columns.0.field: /,
    );
  });
});

const ackFile = (text: string, name = 'ACK_0001.csv', settings: Record<string, unknown> = {}) =>
  readAnswerFile(name, Buffer.from(text), config(settings));
const shipFile = (text: string, name = 'ASN_0001.csv', settings: Record<string, unknown> = {}) =>
  readAnswerFile(name, Buffer.from(text), config(settings));

describe('an acknowledgement file', () => {
  it('becomes one acknowledgement per PO, its lines in file order', () => {
    const read = ackFile(
      'PO Number,Line Number,Status,Reason,Available On\r\n' +
        'PO-1,1,accepted,,\r\n' +
        'PO-2,1,Rejected,"discontinued, sorry",\r\n' +
        '\r\n' +
        'PO-1,2,backordered,,2026-12-20\r\n',
    );
    expect(read).toEqual({
      answers: {
        acknowledgements: [
          {
            poNumber: 'PO-1',
            lines: [
              { lineNumber: 1, status: 'accepted' },
              { lineNumber: 2, status: 'backordered', availableOn: '2026-12-20' },
            ],
          },
          { poNumber: 'PO-2', lines: [{ lineNumber: 1, status: 'rejected', reason: 'discontinued, sorry' }] },
        ],
        shipments: [],
      },
    });
  });

  it("reads the supplier's own words, columns, delimiter, encoding and date format", () => {
    const settings = {
      acknowledgements: {
        fileName: { regex: '^BEST_\\d+\\.txt$' },
        delimiter: ';',
        encoding: 'windows-1252',
        dateFormat: 'dd.MM.yyyy',
        columns: {
          poNumber: 'Bestellnr',
          lineNumber: 'Pos',
          status: 'Status',
          reason: 'Grund',
          availableOn: 'Lieferbar ab',
        },
        statusValues: { OK: 'accepted', NEIN: 'rejected', RUECKSTAND: 'backordered' },
      },
    };
    const bytes = iconv.encode(
      'Bestellnr;Pos;Status;Grund;Lieferbar ab\nPO-1;1;ok;;\nPO-1;2;nein;Artikel auslaufend, größe;\nPO-1;3;Rueckstand;;05.01.2027\n',
      'windows-1252',
    );
    expect(readAnswerFile('BEST_7.txt', bytes, config(settings))).toEqual({
      answers: {
        acknowledgements: [
          {
            poNumber: 'PO-1',
            lines: [
              { lineNumber: 1, status: 'accepted' },
              { lineNumber: 2, status: 'rejected', reason: 'Artikel auslaufend, größe' },
              { lineNumber: 3, status: 'backordered', availableOn: '2027-01-05' },
            ],
          },
        ],
        shipments: [],
      },
    });
  });

  it('is refused whole, naming every failing row, column and reason', () => {
    const read = ackFile(
      'PO Number,Line Number,Status,Reason,Available On\n' +
        'PO-1,1,accepted,,\n' +
        ',2,accepted,,\n' +
        'PO-1,x,maybe,,\n' +
        'PO-1,3,backordered,,\n' +
        'PO-1,4,backordered,,31/12/2026\n' +
        'PO-1,1,accepted,,\n' +
        'PO-1,0,accepted,,\n' +
        'PO-1,5,accepted,a,b,c\n',
    );
    expect(read).toEqual({
      refused:
        '"ACK_0001.csv": 7 rows fail, so nothing of the file applies: ' +
        'row 3, column "PO Number": is empty; ' +
        'row 4, column "Line Number": "x" is not a whole number written with "." before the decimals, no thousands separator; ' +
        'row 4, column "Status": "maybe" is none of the status words "accepted", "rejected", "backordered"; ' +
        'row 5, column "Available On": is empty: a backordered line needs the day it is expected; ' +
        'row 6, column "Available On": "31/12/2026" is not a date written as ISO 8601 (YYYY-MM-DD); ' +
        'row 7, column "Line Number": line 1 of PO-1 is acknowledged in row 2 already; ' +
        'row 8, column "Line Number": "0" is not a positive whole number; ' +
        'row 9, the row: has 6 values where the header has 5 columns: is a value with "," not quoted?; ' +
        'row 9, column "Available On": "b" is not a date written as ISO 8601 (YYYY-MM-DD)',
    });
  });

  it('names 20 failures and counts the rest', () => {
    const rows = Array.from({ length: 25 }, (_, i) => `PO-1,${i + 1},nope`).join('\n');
    const read = ackFile(`PO Number,Line Number,Status\n${rows}\n`, 'ACK_2.csv', {
      acknowledgements: {
        columns: { poNumber: 'PO Number', lineNumber: 'Line Number', status: 'Status' },
        statusValues: { accepted: 'accepted' },
      },
    });
    expect(read).toHaveProperty('refused');
    const reason = (read as { refused: string }).refused;
    expect(reason).toMatch(
      /^"ACK_2.csv": 25 rows fail, so nothing of the file applies: row 2, column "Status"/,
    );
    expect(reason.match(/; row \d+,/g)).toHaveLength(19);
    expect(reason).toMatch(/row 21, column "Status": "nope" is none of .*; and 5 more$/);
  });

  it('is refused when its header lacks a mapped column, or it is not CSV', () => {
    expect(ackFile('PO Number,Line,Status,Reason,Available On\nPO-1,1,accepted,,\n')).toEqual({
      refused: '"ACK_0001.csv": the header has no column "Line Number" (lineNumber)',
    });
    expect(ackFile('%PDF-1.7 ...')).toEqual({ refused: '"ACK_0001.csv" is a PDF, not CSV' });
    expect(ackFile('PO Number,Line Number,Status,Reason,Available On\nPO-1,1,"accepted\n')).toEqual({
      refused: '"ACK_0001.csv" cannot be read as CSV: the quoted value in row 2 never ends',
    });
    expect(
      ackFile('PO Number,Status,Line Number,Status,Reason,Available On\nPO-1,accepted,1,accepted,,\n'),
    ).toEqual({
      refused: '"ACK_0001.csv": the header has more than one column "Status" (status)',
    });
  });

  it('reads positions in a file without a header', () => {
    const settings = {
      acknowledgements: {
        header: false,
        columns: { poNumber: 2, lineNumber: 3, status: 1 },
        statusValues: { accepted: 'accepted' },
      },
    };
    expect(ackFile('accepted,PO-9,1\n', 'ACK_3.csv', settings)).toEqual({
      answers: {
        acknowledgements: [{ poNumber: 'PO-9', lines: [{ lineNumber: 1, status: 'accepted' }] }],
        shipments: [],
      },
    });
    expect(
      csvSftpConfig
        .safeParse({ ...base, acknowledgements: { header: false } })
        .error?.issues.map((i) => i.path.join('.')),
    ).toEqual([
      'acknowledgements.columns.poNumber',
      'acknowledgements.columns.lineNumber',
      'acknowledgements.columns.status',
      'acknowledgements.columns.reason',
      'acknowledgements.columns.availableOn',
    ]);
  });
});

describe('a shipment file', () => {
  const HEADER = 'PO Number,Line Number,Quantity,Carrier,Tracking Number,Shipped At\n';

  it('becomes one shipment per PO and tracking number, lines of one parcel added up', () => {
    const read = shipFile(
      HEADER +
        'PO-1,1,2,UPS,1Z999AA10123456784,2026-12-05T09:15:00-06:00\n' +
        'PO-1,2,1,UPS,1Z999AA10123456784,2026-12-05T09:15:00-06:00\n' +
        'PO-1,2,1,UPS,1Z999AA10123456784,\n' +
        'PO-1,3,1,FedEx,1234 5678 9012,2026-12-05 10:00\n' +
        'PO-2,1,4,UPS,1Z999AA10123456784,\n',
      'ASN_1.csv',
      { shipments: { timeZone: 'America/Chicago' } },
    );
    expect(read).toEqual({
      answers: {
        acknowledgements: [],
        shipments: [
          {
            poNumber: 'PO-1',
            carrier: 'UPS',
            trackingNumber: '1Z999AA10123456784',
            shippedAt: new Date('2026-12-05T15:15:00Z'),
            lines: [
              { lineNumber: 1, quantity: 2 },
              { lineNumber: 2, quantity: 2 },
            ],
          },
          {
            poNumber: 'PO-1',
            carrier: 'FedEx',
            trackingNumber: '123456789012',
            shippedAt: new Date('2026-12-05T16:00:00Z'),
            lines: [{ lineNumber: 3, quantity: 1 }],
          },
          {
            poNumber: 'PO-2',
            carrier: 'UPS',
            trackingNumber: '1Z999AA10123456784',
            lines: [{ lineNumber: 1, quantity: 4 }],
          },
        ],
      },
    });
  });

  it('is refused whole, naming every failing row', () => {
    const read = shipFile(
      HEADER +
        'PO-1,1,2,UPS,1Z999AA10123456784,2026-12-05\n' +
        'PO-1,2,-1,UPS,1Z999AA10123456784,\n' +
        'PO-1,3,1.5,UPS,1Z999AA10123456784,\n' +
        'PO-1,4,1,,1Z999AA10123456784,\n' +
        'PO-1,5,1,FedEx,1Z999AA10123456784,\n' +
        'PO-1,6,1,UPS,1Z999AA10123456784,2026-12-06\n' +
        'PO-1,7,1,UPS,#12,\n' +
        'PO-1,8,1,UPS,1Z999AA10123456784,yesterday\n' +
        'PO-1,9,1,UPS\n',
    );
    expect(read).toEqual({
      refused:
        '"ASN_0001.csv": 8 rows fail, so nothing of the file applies: ' +
        'row 3, column "Quantity": "-1" is negative; ' +
        'row 4, column "Quantity": "1.5" is not a whole number; ' +
        'row 5, column "Carrier": is empty; ' +
        'row 6, column "Carrier": is "FedEx" where row 2 of the same PO and tracking number says "UPS"; ' +
        'row 7, column "Shipped At": is 2026-12-06T00:00:00.000Z where row 2 of the same PO and tracking number says 2026-12-05T00:00:00.000Z; ' +
        'row 8, column "Tracking Number": "#12" is not 4–40 letters, digits or dashes; ' +
        'row 9, column "Shipped At": "yesterday" is not a date written as ISO 8601 (YYYY-MM-DD); ' +
        'row 10, column "Tracking Number": is missing: the row has 4 columns; ' +
        'row 10, column "Shipped At": is missing: the row has 4 columns',
    });
  });
});

describe('file names', () => {
  it('tell acknowledgements from shipments; others are left alone; a name both match is refused', () => {
    const c = config({ shipments: { fileName: { suffix: '.csv' } } });
    expect(answerFileKind('ack_0001.CSV', config())).toBe('acknowledgements');
    expect(answerFileKind('ASN_0001.csv', config())).toBe('shipments');
    expect(answerFileKind('INV_0001.csv', config())).toBeUndefined();
    expect(answerFileKind('ACK_0001.csv.tmp', config())).toBeUndefined();
    expect(answerFileKind('ACK_0001.csv', c)).toBe('both');
    expect(readAnswerFile('ACK_0001.csv', Buffer.from('x'), c)).toEqual({
      refused: '"ACK_0001.csv" matches both the acknowledgement and the shipment file names',
    });
  });

  it('are given as a prefix and/or suffix, or a regex', () => {
    const issues = (fileName: unknown) =>
      csvSftpConfig.safeParse({ ...base, shipments: { fileName } }).error?.issues.map((i) => i.message);
    expect(issues({})).toEqual(['give a prefix and/or a suffix, or a regex']);
    expect(issues({ prefix: 'A', regex: 'x' })).toEqual(['give a prefix and/or a suffix, or a regex']);
    expect(issues({ regex: '(' })).toEqual(['is not a regular expression']);
    const quoteInDelimiter = csvSftpConfig.safeParse({ ...base, shipments: { delimiter: "'", quote: "'" } });
    expect(quoteInDelimiter.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'shipments.delimiter: must not hold the quote',
    ]);
  });
});

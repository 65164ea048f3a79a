import iconv from 'iconv-lite';
import { IANAZone } from 'luxon';
import { z } from 'zod';
import { sftpExchangeConfig, sftpExchangeSecrets } from '../shared/sftp-exchange.ts';

/** What a PO file's column can hold: a value of the PO, or of its line (one row per line). */
export const PO_FIELDS = [
  'poNumber',
  'orderId',
  'createdAt',
  'currency',
  'lineNumber',
  'supplierSku',
  'sku',
  'quantity',
  'unitCost',
  'brand',
  'shipTo.name',
  'shipTo.line1',
  'shipTo.line2',
  'shipTo.city',
  'shipTo.region',
  'shipTo.postalCode',
  'shipTo.country',
  'shipTo.phone',
] as const;
export type PoField = (typeof PO_FIELDS)[number];

/** The placeholders of a PO file's name; each is a function of the PO, so a resend names the same file. */
export const NAME_PLACEHOLDERS = ['poNumber', 'orderId', 'date'] as const;

const DEFAULT_PO_COLUMNS: { header: string; field: PoField }[] = [
  { header: 'PO Number', field: 'poNumber' },
  { header: 'Order', field: 'orderId' },
  { header: 'Date', field: 'createdAt' },
  { header: 'Line Number', field: 'lineNumber' },
  { header: 'Supplier SKU', field: 'supplierSku' },
  { header: 'Quantity', field: 'quantity' },
  { header: 'Unit Cost', field: 'unitCost' },
  { header: 'Currency', field: 'currency' },
  { header: 'Ship To Name', field: 'shipTo.name' },
  { header: 'Address 1', field: 'shipTo.line1' },
  { header: 'Address 2', field: 'shipTo.line2' },
  { header: 'City', field: 'shipTo.city' },
  { header: 'State', field: 'shipTo.region' },
  { header: 'Postal Code', field: 'shipTo.postalCode' },
  { header: 'Country', field: 'shipTo.country' },
  { header: 'Phone', field: 'shipTo.phone' },
  { header: 'Packing Slip Brand', field: 'brand' },
];

const encoding = z
  .string()
  .refine((name) => iconv.encodingExists(name), 'is not an encoding iconv-lite knows')
  .default('utf-8');

const delimiter = z
  .string()
  .min(1)
  .max(4)
  .refine((d) => !/[\r\n"]/.test(d), 'must not hold a line break or a quote')
  .default(',');

/** A luxon format (`dd.MM.yyyy`, `MM/dd/yyyy HH:mm`): https://moment.github.io/luxon/#/formatting?id=table-of-tokens */
const dateFormat = z.string().min(1).max(64).optional();

/** The file a purchase order becomes: its name, and its columns in order (one row per PO line). */
const poFile = z
  .strictObject({
    /** `{poNumber}`, `{orderId}`, `{date}` (the PO's creation day, yyyyMMdd, UTC). */
    name: z
      .string()
      .min(1)
      .max(200)
      .superRefine((name, ctx) => {
        const unknown = [...name.matchAll(/\{([^}]*)\}/g)]
          .map((m) => m[1]!)
          .filter((p) => !(NAME_PLACEHOLDERS as readonly string[]).includes(p));
        if (unknown.length > 0)
          ctx.addIssue({
            code: 'custom',
            message: `has unknown placeholders ${unknown.map((p) => `{${p}}`).join(', ')}: use {poNumber}, {orderId}, {date}`,
          });
        // One order may have several POs to a supplier (a later PO for lines that waited for stock): only the PO
        // number tells them apart.
        if (!name.includes('{poNumber}'))
          ctx.addIssue({
            code: 'custom',
            message: 'must hold {poNumber}, so that each PO has a file of its own',
          });
        if (/[/\\\0]/.test(name) || name.startsWith('.'))
          ctx.addIssue({ code: 'custom', message: 'must be a plain file name (no folder, not a dot-file)' });
      })
      .default('PO_{poNumber}.csv'),
    delimiter,
    header: z.boolean().default(true),
    encoding,
    /** A UTF-8 byte order mark first (spreadsheets then read the file as UTF-8). */
    bom: z.boolean().default(false),
    lineEnding: z.enum(['crlf', 'lf']).default('crlf'),
    /** Before a unit cost's decimals. */
    decimal: z.enum(['.', ',']).default('.'),
    /** For `createdAt`, in UTC; ISO 8601 (`2026-12-01T10:00:00.000Z`) when left out. */
    dateFormat,
    columns: z
      .array(z.strictObject({ header: z.string().max(200), field: z.enum(PO_FIELDS) }))
      .min(1)
      .default(DEFAULT_PO_COLUMNS),
  })
  .prefault({});

/**
 * Which of the supplier's files are of one kind: by the start and end of the name (ignoring case), or by a
 * regular expression (as written). A file that matches no kind is left where it is.
 */
const fileName = z
  .strictObject({
    prefix: z.string().min(1).optional(),
    suffix: z.string().min(1).optional(),
    regex: z
      .string()
      .min(1)
      .refine((source) => compiles(source), 'is not a regular expression')
      .optional(),
  })
  .refine((f) => (f.regex === undefined) !== (f.prefix === undefined && f.suffix === undefined), {
    message: 'give a prefix and/or a suffix, or a regex',
  });

/** A header name (matched trimmed, then ignoring case) or a 1-based position. */
const column = z.union([z.string().trim().min(1), z.number().int().positive()]);

/** How the supplier writes its CSV files, as a catalog feed's mapping says it (docs/feeds.md). */
const csvReading = {
  delimiter,
  /** '' for none. */
  quote: z.string().max(1).default('"'),
  header: z.boolean().default(true),
  /** A byte order mark in the file overrides it. */
  encoding,
  /** Dates (`availableOn`, `shippedAt`) in this luxon format; ISO 8601 when left out. */
  dateFormat,
  /** The supplier's time zone, for dates and times that name none. */
  timeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'is not an IANA time zone')
    .default('UTC'),
};

const ACK_STATUSES = ['accepted', 'rejected', 'backordered'] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

const acknowledgements = z
  .strictObject({
    ...csvReading,
    fileName: fileName.default({ prefix: 'ACK', suffix: '.csv' }),
    columns: z
      .strictObject({
        poNumber: column,
        lineNumber: column,
        status: column,
        reason: column.optional(),
        availableOn: column.optional(),
      })
      .default({
        poNumber: 'PO Number',
        lineNumber: 'Line Number',
        status: 'Status',
        reason: 'Reason',
        availableOn: 'Available On',
      }),
    /** The supplier's words (matched trimmed, ignoring case) for each status. */
    statusValues: z
      .record(z.string().trim().min(1), z.enum(ACK_STATUSES))
      .default({ accepted: 'accepted', rejected: 'rejected', backordered: 'backordered' }),
  })
  .superRefine((a, ctx) => {
    checkReading(a, ctx);
    const seen = new Map<string, string>();
    for (const [word, status] of Object.entries(a.statusValues)) {
      const folded = word.trim().toLowerCase();
      if (seen.has(folded) && seen.get(folded) !== status)
        ctx.addIssue({
          code: 'custom',
          path: ['statusValues', word],
          message: 'is given twice (ignoring case)',
        });
      seen.set(folded, status);
    }
    if ([...seen.values()].includes('backordered') && a.columns.availableOn === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['columns', 'availableOn'],
        message: 'a backordered line needs the day it is expected: map its column',
      });
  })
  .prefault({});

const shipments = z
  .strictObject({
    ...csvReading,
    fileName: fileName.default({ prefix: 'ASN', suffix: '.csv' }),
    columns: z
      .strictObject({
        poNumber: column,
        lineNumber: column,
        quantity: column,
        carrier: column,
        trackingNumber: column,
        shippedAt: column.optional(),
      })
      .default({
        poNumber: 'PO Number',
        lineNumber: 'Line Number',
        quantity: 'Quantity',
        carrier: 'Carrier',
        trackingNumber: 'Tracking Number',
        shippedAt: 'Shipped At',
      }),
  })
  .superRefine(checkReading)
  .prefault({});

/** Settings of a supplier that trades CSV files over SFTP (not secret: stored and shown as they are). */
export const csvSftpConfig = z.object({
  ...sftpExchangeConfig,
  poFile,
  acknowledgements,
  shipments,
});
export type CsvSftpConfig = z.output<typeof csvSftpConfig>;
export type PoFileSettings = CsvSftpConfig['poFile'];
export type AckFileSettings = CsvSftpConfig['acknowledgements'];
export type ShipmentFileSettings = CsvSftpConfig['shipments'];

/** The SFTP login. Sealed at rest, never shown. */
export const csvSftpSecrets = z.object(sftpExchangeSecrets);
export type CsvSftpSecrets = z.output<typeof csvSftpSecrets>;

/** The quote cannot be part of the delimiter; without a header row, a column can only be a position. */
function checkReading(
  m: {
    delimiter: string;
    quote: string;
    header: boolean;
    columns: Record<string, string | number | undefined>;
  },
  ctx: z.RefinementCtx,
): void {
  if (m.quote !== '' && m.delimiter.includes(m.quote))
    ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'must not hold the quote' });
  if (m.header) return;
  for (const [field, at] of Object.entries(m.columns))
    if (typeof at === 'string')
      ctx.addIssue({
        code: 'custom',
        path: ['columns', field],
        message: 'without a header, a 1-based number',
      });
}

function compiles(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

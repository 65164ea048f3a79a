import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { DateTime } from 'luxon';
import { money, toDecimalString } from '../../../domain/money.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import type { PurchaseOrderMessage, SupplierAnswers } from '../supplier-transport.ts';
import type { CsvSftpConfig, PoField, PoFileSettings } from './credentials.ts';
import { readAcknowledgements, readShipments } from './answers.ts';
import { TableRefused } from './table.ts';

/*
 * CSV as RFC 4180 writes it (https://www.rfc-editor.org/rfc/rfc4180): a value holding the delimiter, a quote or a
 * line break is quoted, its quotes doubled. The columns are the supplier's own; docs/csv-transport.md shows them.
 */

type PoLine = PurchaseOrderMessage['lines'][number];

/** The PO file's name: its template with the PO's values, the same on every send (a resend replaces the file). */
export function poFileName(po: PurchaseOrderMessage, settings: PoFileSettings): string {
  const values = {
    poNumber: po.poNumber,
    orderId: po.orderId,
    date: DateTime.fromJSDate(po.createdAt, { zone: 'utc' }).toFormat('yyyyMMdd'),
  };
  const name = settings.name.replace(
    /\{(poNumber|orderId|date)\}/g,
    (_, key: keyof typeof values) => values[key],
  );
  if (/[/\\\0]/.test(name))
    throw new PermanentError(`PO file name ${JSON.stringify(name)} is not a plain file name`);
  return name;
}

/**
 * The PO as the supplier's CSV file: a header row (unless turned off), then one row per PO line with the columns
 * in the order the settings give them. Throws PermanentError when a value has characters the file's encoding cannot
 * write (such a PO can never be sent as it is: a person must tell the supplier).
 *
 * @example poFileBytes(po, { ...settings, columns: [{ header: 'PO', field: 'poNumber' }, { header: 'Qty', field: 'quantity' }] })
 *   // "PO,Qty\r\nPO-1,2\r\n"
 */
export function poFileBytes(po: PurchaseOrderMessage, settings: PoFileSettings): Buffer {
  const rows = po.lines.map((line) =>
    settings.columns.map(({ field }) => poValue(po, line, field, settings)),
  );
  const records = settings.header ? [settings.columns.map((c) => c.header), ...rows] : rows;
  const unicode = /^utf-?(8|16)/i.test(settings.encoding);
  if (!unicode) checkEncodable(po, records, settings);
  const text = stringify(records, {
    delimiter: settings.delimiter,
    record_delimiter: settings.lineEnding === 'crlf' ? 'windows' : 'unix',
    // csv-stringify quotes a value holding the record delimiter; a lone CR or LF in an address must be quoted too.
    quoted_match: /[\r\n]/,
  });
  return iconv.encode(text, settings.encoding, { addBOM: settings.bom && unicode });
}

function poValue(po: PurchaseOrderMessage, line: PoLine, field: PoField, settings: PoFileSettings): string {
  switch (field) {
    case 'poNumber':
    case 'orderId':
    case 'currency':
    case 'brand':
      return po[field];
    case 'createdAt':
      return settings.dateFormat === undefined
        ? po.createdAt.toISOString()
        : DateTime.fromJSDate(po.createdAt, { zone: 'utc' }).toFormat(settings.dateFormat);
    case 'lineNumber':
    case 'quantity':
      return String(line[field]);
    case 'supplierSku':
    case 'sku':
      return line[field];
    case 'unitCost': {
      const decimal = toDecimalString(money(line.unitCost, po.currency));
      return settings.decimal === '.' ? decimal : decimal.replace('.', ',');
    }
    default:
      return po.shipTo[field.slice('shipTo.'.length) as keyof PurchaseOrderMessage['shipTo']] ?? '';
  }
}

/** Every value written in the file's encoding, or PermanentError naming the first that cannot be. */
function checkEncodable(po: PurchaseOrderMessage, records: string[][], settings: PoFileSettings): void {
  for (const values of records)
    for (const [i, value] of values.entries()) {
      if (iconv.decode(iconv.encode(value, settings.encoding), settings.encoding) === value) continue;
      const column = settings.columns[i]!;
      throw new PermanentError(
        `PO ${po.poNumber}: ${column.field} (${JSON.stringify(value)}) has characters ${settings.encoding} cannot ` +
          `write; tell the supplier by hand, or set poFile.encoding to utf-8`,
      );
    }
}

/** The kinds of answer file a supplier sends. */
export type AnswerFileKind = 'acknowledgements' | 'shipments';

/**
 * Which kind of answer file a name is, by the settings' `fileName` patterns: undefined for neither (the file is
 * left alone), 'both' for a name both match (refused: which it is cannot be told).
 */
export function answerFileKind(name: string, config: CsvSftpConfig): AnswerFileKind | 'both' | undefined {
  const ack = matches(name, config.acknowledgements.fileName);
  const ship = matches(name, config.shipments.fileName);
  return ack && ship ? 'both' : ack ? 'acknowledgements' : ship ? 'shipments' : undefined;
}

function matches(name: string, pattern: { prefix?: string; suffix?: string; regex?: string }): boolean {
  if (pattern.regex !== undefined) return new RegExp(pattern.regex).test(name);
  const folded = name.toLowerCase();
  return (
    folded.startsWith(pattern.prefix?.toLowerCase() ?? '') &&
    folded.endsWith(pattern.suffix?.toLowerCase() ?? '')
  );
}

/**
 * One answer file read whole: its answers, or why it is refused. Nothing of a file is half-applied: a file with
 * any failing row is refused whole, with every failing row named.
 */
export function readAnswerFile(
  name: string,
  bytes: Buffer,
  config: CsvSftpConfig,
): { answers: SupplierAnswers } | { refused: string } {
  const kind = answerFileKind(name, config);
  if (kind === undefined || kind === 'both')
    return {
      refused: `${JSON.stringify(name)} matches both the acknowledgement and the shipment file names`,
    };
  try {
    const subject = JSON.stringify(name);
    const read =
      kind === 'acknowledgements'
        ? { acknowledgements: readAcknowledgements(bytes, config.acknowledgements, subject), shipments: [] }
        : { acknowledgements: [], shipments: readShipments(bytes, config.shipments, subject) };
    return { answers: read };
  } catch (error) {
    if (error instanceof TableRefused) return { refused: error.message };
    throw error;
  }
}

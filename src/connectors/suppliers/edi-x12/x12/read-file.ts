import type { SupplierAnswers, SupplierInvoice } from '../../supplier-transport.ts';
import { readAcknowledgement, type Acknowledgement } from './acknowledgement.ts';
import { SetCheck } from './check.ts';
import type { Partners } from './envelope.ts';
import { readFunctionalAck, type GroupVerdict, type SetVerdict } from './functional-ack.ts';
import { checkSegments, FUNCTIONAL_IDS } from './guide.ts';
import {
  readInterchange,
  type FunctionalGroup,
  type Interchange,
  type TransactionSet,
} from './interchange.ts';
import { readInventory, readInvoice } from './invoice-inventory.ts';
import { readShipNotice } from './ship-notice.ts';

/** What a received file says, in X12's terms read into Waybill's. */
export interface Documents {
  acknowledgements: Acknowledgement[];
  shipments: SupplierAnswers['shipments'];
  invoices: SupplierInvoice[];
  inventory: NonNullable<SupplierAnswers['inventory']>;
  receipts: NonNullable<SupplierAnswers['receipts']>;
}

/**
 * A received file read whole: its documents when every part of it is sound, or why it was refused (nothing of it
 * applies); and the groups a 997 answers (every group but a group of 997s), with the interchange's own date for
 * that 997's envelope, so that reading the same file again writes the same reply.
 */
export interface FileReading {
  documents?: Documents | undefined;
  refused?: string | undefined;
  acks: GroupVerdict[];
  /** ISA09/ISA10 of the received interchange (read as UTC), when they are a date and a time. */
  sentAt?: Date | undefined;
}

const MAX_REASONS = 8;

/**
 * Reads one file from a partner: envelope, then each transaction set against Waybill's guide, then into documents.
 * A file that routes by what it holds (ST01), not by its name.
 *
 * @example
 * const reading = readFile(bytes, partners, { fallbackCurrency: 'USD' });
 * if (reading.refused) console.log(reading.refused); // "855 0001 in group 7: segment 5 ACK: ACK01 "XX" is not one of …"
 */
export function readFile(
  bytes: Buffer,
  partners: Partners,
  options: { fallbackCurrency: string },
): FileReading {
  const interchange = readInterchange(bytes);
  if ('notX12' in interchange) return { refused: interchange.notX12, acks: [] };
  const reasons = [...interchange.faults, ...partnerFaults(interchange, partners)].map(
    (text) => `interchange ${interchange.isa[12]?.trim() ?? ''}: ${text}`,
  );
  const documents: Documents = {
    acknowledgements: [],
    shipments: [],
    invoices: [],
    inventory: [],
    receipts: [],
  };
  const verdicts = interchange.groups.map((group) =>
    readGroup(group, documents, options.fallbackCurrency, reasons),
  );
  const taken = reasons.length === 0;
  for (const verdict of verdicts) verdict.taken = taken;
  return {
    ...(taken
      ? { documents }
      : {
          refused:
            reasons.slice(0, MAX_REASONS).join('; ') +
            (reasons.length > MAX_REASONS ? `; and ${reasons.length - MAX_REASONS} more` : ''),
        }),
    // Never a 997 for a 997.
    acks: verdicts.filter((v) => v.group.functionalId !== 'FA'),
    sentAt: isaDate(interchange.isa),
  };
}

/** The interchange must come from the partner, to Waybill, with the partner's usage (test data never applies). */
function partnerFaults(interchange: Interchange, partners: Partners): string[] {
  const at = (n: number) => (interchange.isa[n - 1] ?? '').trim();
  const faults: string[] = [];
  if (at(5) !== partners.them.qualifier || at(6) !== partners.them.id)
    faults.push(
      `ISA05/ISA06 ${at(5)}/${at(6)} is not the partner's ${partners.them.qualifier}/${partners.them.id}`,
    );
  if (at(7) !== partners.us.qualifier || at(8) !== partners.us.id)
    faults.push(`ISA07/ISA08 ${at(7)}/${at(8)} is not Waybill's ${partners.us.qualifier}/${partners.us.id}`);
  if (at(15) !== partners.usage && ['P', 'T'].includes(at(15)))
    faults.push(
      `ISA15 is ${at(15)}, but this partner is set up for ${partners.usage === 'P' ? 'production (P)' : 'test (T)'} data`,
    );
  return faults;
}

function readGroup(
  group: FunctionalGroup,
  documents: Documents,
  currency: string,
  reasons: string[],
): GroupVerdict {
  const where = `group ${group.control}`;
  const codes = group.faults.flatMap((f) => (f.code ? [f.code] : []));
  reasons.push(...group.faults.map((f) => `${where}: ${f.text}`));
  if (!Object.values(FUNCTIONAL_IDS).includes(group.functionalId)) {
    codes.push('1');
    reasons.push(
      `${where}: GS01 ${group.functionalId} is not a functional group Waybill reads (PR, SH, IN, IB, FA)`,
    );
  }
  const sets = group.sets.map((set) => readSet(set, group, documents, currency, reasons));
  return { group, sets, codes, taken: false };
}

function readSet(
  set: TransactionSet,
  group: FunctionalGroup,
  documents: Documents,
  currency: string,
  reasons: string[],
): SetVerdict {
  const where = `${set.id} ${set.control} in group ${group.control}`;
  const codes = set.faults.flatMap((f) => (f.code ? [f.code] : []));
  const texts = set.faults.map((f) => f.text);
  const expected = FUNCTIONAL_IDS[set.id];
  if (!expected) {
    codes.push('1');
    texts.push(`transaction set ${set.id} is not one Waybill reads (855, 856, 810, 846, 997)`);
  } else if (expected !== group.functionalId) {
    codes.push('6');
    texts.push(`a ${set.id} travels in a ${expected} group, not ${group.functionalId}`);
  }
  const check = new SetCheck(set.id, set.control);
  if (codes.length === 0) {
    checkSegments(set, check);
    // Readers see only sets whose every element passed the guide, so they can trust each value's form.
    if (check.ok) readDocument(set, check, documents, currency);
  }
  reasons.push(...[...texts, ...check.texts].map((text) => `${where}: ${text}`));
  return { set, errors: check.errors, codes };
}

function readDocument(set: TransactionSet, check: SetCheck, documents: Documents, currency: string): void {
  switch (set.id) {
    case '855': {
      const ack = readAcknowledgement(set, check, currency);
      if (ack) documents.acknowledgements.push(ack);
      break;
    }
    case '856':
      documents.shipments.push(...readShipNotice(set, check));
      break;
    case '810': {
      const invoice = readInvoice(set, check, currency);
      if (invoice) documents.invoices.push(invoice);
      break;
    }
    case '846':
      documents.inventory.push(...readInventory(set, check, currency));
      break;
    case '997': {
      const receipt = readFunctionalAck(set);
      if (receipt) documents.receipts.push(receipt);
      break;
    }
  }
}

function isaDate(isa: string[]): Date | undefined {
  const [date = '', time = ''] = [isa[8], isa[9]];
  if (!/^\d{6}$/.test(date) || !/^\d{4}$/.test(time)) return undefined;
  const at = new Date(
    `20${date.slice(0, 2)}-${date.slice(2, 4)}-${date.slice(4, 6)}T${time.slice(0, 2)}:${time.slice(2)}:00Z`,
  );
  return Number.isNaN(at.getTime()) ? undefined : at;
}

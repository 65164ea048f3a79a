/**
 * What a simulated drop-ship supplier does with a purchase order, whatever carries it (REST/JSON, EDI over SFTP,
 * email and the portal): waits, answers each line (accepted, rejected, backordered), waits, ships what it accepted
 * in one or two parcels with UPS-format tracking numbers, and stops at a cancel. Each transport's simulator calls
 * `fulfil` with its own way of telling the hub. Demo and tests only.
 */
import { deriveSeed, pick, seededRandom, sleep } from './shared.ts';

/** How a supplier behaves, the same on every transport. */
export interface SupplierBehaviour {
  /** Seeds the tracking numbers (the same PO gets the same numbers on every run). */
  seed?: number;
  ackDelayMs?: number;
  shipDelayMs?: number;
  /** Lines of these supplier SKUs are rejected. */
  rejectSkus?: string[];
  /** Lines of these supplier SKUs are backordered (available in a week), then shipped with the rest. */
  backorderSkus?: string[];
  /** The carrier's name as the supplier writes it: UPS (the default), FedEx, USPS. */
  carrier?: string;
}

export interface OrderedLine {
  lineNumber: number;
  supplierSku: string;
  quantity: number;
}

export type LineAnswer =
  | { lineNumber: number; status: 'accepted' }
  | { lineNumber: number; status: 'rejected'; reason: string }
  | { lineNumber: number; status: 'backordered'; availableOn: string };

export interface Parcel {
  trackingNumber: string;
  lines: { lineNumber: number; quantity: number }[];
}

const REJECT_REASON = 'out of stock';
const BACKORDER_DAYS = 7;

/** Each line's answer: rejected or backordered by SKU, otherwise accepted. */
export function answerLines(
  lines: readonly OrderedLine[],
  behaviour: SupplierBehaviour,
  today: Date,
): LineAnswer[] {
  const reject = new Set(behaviour.rejectSkus ?? []);
  const backorder = new Set(behaviour.backorderSkus ?? []);
  const availableOn = new Date(today.getTime() + BACKORDER_DAYS * 86_400_000).toISOString().slice(0, 10);
  return lines.map(({ lineNumber, supplierSku }): LineAnswer => {
    if (reject.has(supplierSku)) return { lineNumber, status: 'rejected', reason: REJECT_REASON };
    if (backorder.has(supplierSku)) return { lineNumber, status: 'backordered', availableOn };
    return { lineNumber, status: 'accepted' };
  });
}

/**
 * The parcels of a PO's lines to ship: one, or two when there is more than one line (the first half of the lines
 * in the first). Derived from the PO rather than drawn from a shared stream, so every resend carries the same
 * tracking numbers however deliveries interleave; the first parcel's number is the one-parcel number.
 */
export function parcelsFor(poNumber: string, lines: readonly OrderedLine[], seed: number): Parcel[] {
  const split = lines.length > 1 ? Math.ceil(lines.length / 2) : lines.length;
  const groups = [lines.slice(0, split), lines.slice(split)].filter((group) => group.length > 0);
  return groups.map((group, i) => ({
    trackingNumber: upsTrackingNumber(
      seededRandom(deriveSeed(seed, i === 0 ? poNumber : `${poNumber}#${i + 1}`)),
    ),
    lines: group.map(({ lineNumber, quantity }) => ({ lineNumber, quantity })),
  }));
}

/** How a transport's simulator tells the hub; each returns true once the hub has it (false: stop here). */
export interface FulfilmentSteps<Po extends { lines: readonly OrderedLine[] }> {
  behaviour: SupplierBehaviour;
  signal: AbortSignal;
  /** Checked after each wait: a cancelled PO is neither acknowledged nor shipped from then on. */
  cancelled(): boolean;
  acknowledge(po: Po, answers: LineAnswer[]): Promise<boolean>;
  /** Called just before the parcels are told (after it, a cancel is too late). */
  dispatching?(po: Po): void;
  ship(po: Po, toShip: OrderedLine[]): Promise<boolean>;
}

/**
 * The supplier's work on one PO: wait `ackDelayMs`, acknowledge, wait `shipDelayMs`, ship every line not rejected.
 *
 * @example
 * await fulfil(po, { behaviour: { ackDelayMs: 50 }, signal, cancelled: () => false,
 *   acknowledge: async (po, answers) => tell855(po, answers), ship: async (po, lines) => tell856(po, lines) });
 */
export async function fulfil<Po extends { lines: readonly OrderedLine[] }>(
  po: Po,
  steps: FulfilmentSteps<Po>,
): Promise<void> {
  await sleep(steps.behaviour.ackDelayMs ?? 0, steps.signal);
  if (steps.cancelled() || steps.signal.aborted) return;
  const answers = answerLines(po.lines, steps.behaviour, new Date());
  if (!(await steps.acknowledge(po, answers))) return;
  const toShip = po.lines.filter((line) =>
    answers.some((a) => a.lineNumber === line.lineNumber && a.status !== 'rejected'),
  );
  if (toShip.length === 0) return; // Nothing to ship: every line was rejected.
  await sleep(steps.behaviour.shipDelayMs ?? 0, steps.signal);
  if (steps.cancelled() || steps.signal.aborted) return;
  steps.dispatching?.(po);
  await steps.ship(po, toShip);
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const DIGITS = '0123456789';

/** "1Z" + 6-character shipper number + service "03" (Ground) + 7-digit package number + check digit. */
export function upsTrackingNumber(random: () => number): string {
  const draw = (alphabet: string, n: number): string =>
    Array.from({ length: n }, () => pick(random, [...alphabet])).join('');
  const body = `${draw(ALPHANUMERIC, 6)}03${draw(DIGITS, 7)}`;
  return `1Z${body}${upsCheckDigit(body)}`;
}

/**
 * UPS 1Z check digit over the 15 characters after "1Z": letters become digits ((ASCII - 63) mod 10, so A=2 … H=9,
 * I=0 …), odd positions add once and even positions twice, and the digit tops the sum up to a multiple of 10.
 */
export function upsCheckDigit(body15: string): number {
  let sum = 0;
  [...body15].forEach((ch, i) => {
    const digit = /\d/.test(ch) ? Number(ch) : (ch.toUpperCase().charCodeAt(0) - 63) % 10;
    sum += i % 2 === 0 ? digit : 2 * digit;
  });
  return (10 - (sum % 10)) % 10;
}

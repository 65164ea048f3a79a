import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { postcodeValidator, postcodeValidatorExistsForCountry } from 'postcode-validator';
import { isCountryCode, shippingAddressProblem } from './address.ts';
import { toDecimalString, type Money } from './money.ts';
import type { Address, Customer } from './order.ts';

/** The checks that can hold an order, each a stable id an operator's screen and the metrics can group by. */
export type HoldCheck =
  | 'address.incomplete'
  | 'address.postal_code'
  | 'address.po_box'
  | 'address.phone'
  | 'velocity.email'
  | 'velocity.address'
  | 'velocity.phone'
  | 'fraud.country_mismatch'
  | 'fraud.order_value'
  | 'fraud.first_order';

/** One reason an order is held for review: which check, and a sentence an operator understands. */
export interface HoldReason {
  check: HoldCheck;
  message: string;
}

/** Held when the same value appears in more than `orders` orders (this one included) within `withinMinutes`. */
export interface VelocityLimit {
  orders: number;
  withinMinutes: number;
}

/** The retailer's checks: each is optional, and an absent one does not run. */
export interface OrderCheckRules {
  velocity?: { email?: VelocityLimit; address?: VelocityLimit; phone?: VelocityLimit };
  /** Hold when the billing country differs from the shipping country (an order without a billing country is not checked). */
  countryMismatch?: boolean;
  /** The highest order value per currency; an order in a currency with no limit is not checked. */
  maxOrderValue?: readonly Money[];
  /** The highest value of a customer's first order (no earlier order with the same email), per currency. */
  firstOrderMaxValue?: readonly Money[];
}

export interface OrderToCheck {
  total: Money;
  customer: Pick<Customer, 'email' | 'phone'>;
  shippingAddress: Address;
  /** ISO 3166-1 alpha-2; absent when the channel gives none. */
  billingCountry?: string | undefined;
}

/**
 * What the store counted for the velocity and first-order checks: the caller queries (matching on `velocityKeys`),
 * this module decides. `sameX` counts the OTHER orders with the same key within that rule's `withinMinutes`;
 * `earlierOrdersOfEmail` counts the other orders with the same email key, ever.
 */
export interface CustomerHistory {
  sameEmail: number;
  sameAddress: number;
  samePhone: number;
  earlierOrdersOfEmail: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Address

/**
 * Why the shipping address may not be shipped to as it stands: missing parts or an unknown country, a postal code
 * that is not of the country's format (where `postcode-validator` knows the country), a PO box when the retailer
 * allows none (`poBoxAllowed: false`; absent or true: not checked), a phone that is no valid number.
 */
export function addressProblems(address: Address, options: { poBoxAllowed?: boolean } = {}): HoldReason[] {
  const reasons: HoldReason[] = [];
  const incomplete = shippingAddressProblem(address);
  if (incomplete) reasons.push({ check: 'address.incomplete', message: incomplete });
  const countryKnown = isCountryCode(address.country);

  const postalCode = address.postalCode.trim();
  if (countryKnown && postalCode && !postalCodeValid(postalCode, address.country))
    reasons.push({
      check: 'address.postal_code',
      message: `postal code ${JSON.stringify(address.postalCode)} is not a valid ${address.country} postal code`,
    });

  if (options.poBoxAllowed === false) {
    const box = [address.line1, address.line2].find((line) => line !== undefined && isPoBox(line));
    if (box !== undefined)
      reasons.push({
        check: 'address.po_box',
        message: `the shipping address ${JSON.stringify(box.trim())} is a PO box, and this retailer ships to none`,
      });
  }

  const phone = address.phone?.trim();
  if (countryKnown && phone && !phoneValid(phone, address.country))
    reasons.push({
      check: 'address.phone',
      message: `phone ${JSON.stringify(address.phone)} is not a valid phone number for ${address.country}`,
    });
  return reasons;
}

/**
 * The postal code as the library's patterns expect it: full-width forms folded (NFKC: "１００－０００１"), upper case
 * (its Dutch and Irish patterns are case-sensitive), one space between parts. Japan's are also written without
 * the hyphen ("1000001"), which the library's pattern requires.
 */
function postalCodeValid(postalCode: string, country: string): boolean {
  if (!postcodeValidatorExistsForCountry(country)) return true;
  let code = postalCode.normalize('NFKC').trim().toUpperCase().replace(/\s+/g, ' ');
  if (country === 'JP') code = code.replace(/^(\d{3})(\d{4})$/, '$1-$2');
  return postcodeValidator(code, country);
}

// Matched on the line folded to ASCII letters (NFKD, marks dropped: "Boîte" is "Boite", "Nº" is "No"), any case.
// A bare word that is also a street's or a town's name counts only with a box number after it.
const BOX_NUMBER = String.raw`\s*(?:#|NO?\.?)?\s*\d`;
const PO_BOX_PATTERNS: readonly RegExp[] = [
  // Post Office Box; POB 12, P.O.B. 12.
  /\bPOST\s+OFFICE\s+BOX\b/i,
  new RegExp(String.raw`\bP\.?\s*O\.?\s*B\.?${BOX_NUMBER}`, 'i'),
  // Postfach (DE, AT, CH); Caixa Postal (PT, BR); Boîte postale (FR), and BP 12, B.P. 12.
  /\bPOSTFACH\b/i,
  /\bCAIXA\s+POSTAL\b/i,
  /\bBOITE\s+POSTALE\b/i,
  new RegExp(String.raw`\bB\.?\s?P\.?${BOX_NUMBER}`, 'i'),
  // Apartado (de correos, postal) 123, Apdo. 123 (ES, Latin America); Casilla (de correo, postal) 123 (Chile,
  // Bolivia, …). Apartadó is also a town, a casilla any box: the bare word only with a number.
  new RegExp(String.raw`\b(?:APARTADO|APDO\b\.?)(?:\s+(?:DE\s+CORREOS?|POSTAL)\b|${BOX_NUMBER})`, 'i'),
  new RegExp(String.raw`\bCASILLA(?:\s+(?:DE\s+CORREOS?|POSTAL)\b|${BOX_NUMBER})`, 'i'),
];

// PO Box, P.O. Box, P O Box, PO-Box, GPO Box (Australia); "Box Hill Road" has no P.O. before it. Run together
// ("POBox") it is also a street's name ("Pobox Street"): then only with a box number after it.
const PO_DOT_BOX = /\bG?P(?:[\s.-]+O|O)[\s.-]*BOX\b/gi;
const GLUED = /^G?POBOX$/i;
const NUMBER_NEXT = new RegExp(`^${BOX_NUMBER}`, 'i');

/** True when the address line is a post-office box rather than a door a carrier can knock on. */
export function isPoBox(line: string): boolean {
  const folded = fold(line);
  if (PO_BOX_PATTERNS.some((pattern) => pattern.test(folded))) return true;
  return [...folded.matchAll(PO_DOT_BOX)].some(
    (match) => !GLUED.test(match[0]) || NUMBER_NEXT.test(folded.slice(match.index + match[0].length)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Phones

/**
 * The phone in E.164 ("+12024561111"), or null when it is no valid number. A national number is read as the
 * country's; an international one ("+49 …") as its own, whatever the country. Validity is by the full ("max")
 * metadata: the number's digits, not only its length.
 */
export function normalisePhone(phone: string, country: string): string | null {
  const parsed = parsePhoneNumberFromString(phone, phoneCountry(country));
  return parsed?.isValid() ? parsed.number : null;
}

function phoneValid(phone: string, country: string): boolean {
  // Where the library has no numbering plan for the country (Antarctica, Pitcairn, …), a national number
  // cannot be judged: only an international one is.
  if (!phoneCountry(country) && !phone.startsWith('+')) return true;
  return normalisePhone(phone, country) !== null;
}

function phoneCountry(country: string): CountryCode | undefined {
  return isSupportedCountry(country) ? country : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Keys the store matches on

/**
 * The email as one mailbox: trimmed, lower case, a "+tag" dropped from the local part; for Gmail
 * (gmail.com, googlemail.com: one domain, gmail.com) its dots too, which Gmail ignores.
 */
export function emailKey(email: string): string {
  const trimmed = email.trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at < 0) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  if (domain === 'gmail.com' || domain === 'googlemail.com') {
    domain = 'gmail.com';
    local = local.replaceAll('.', '');
  }
  // No address has white space in it: what is left after the dots go (". @gmail.com") goes too, so a key is stable.
  return `${local.replace(/\s+/g, '')}@${domain.replace(/\s+/g, '')}`;
}

/**
 * The address as the store matches it for velocity: `country|postal code|line 1`, so that case, spacing and
 * punctuation do not hide a repeat ("12 Main St." and "12  main st" are one). The postal code keeps only its letters
 * and digits, upper case (a US ZIP+4 its first five digits); the line its letters and digits, case folded ("ß" is
 * "ss"), accents dropped, one space between words.
 */
export function addressKey(address: Pick<Address, 'line1' | 'postalCode' | 'country'>): string {
  const country = address.country.trim().toUpperCase();
  let postal = fold(address.postalCode)
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
  if (country === 'US' && /^\d{9}$/.test(postal)) postal = postal.slice(0, 5);
  // Upper then lower case: "Straße" and "STRASSE" are one street (Swiss addresses never write ß).
  const line1 = fold(fold(address.line1).toUpperCase().toLowerCase())
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return `${country}|${postal}|${line1}`;
}

/**
 * The phone the store matches on for velocity: the customer's, else the shipping address's, in E.164 (read as
 * the billing, else the shipping country's); one that is no valid number by its digits alone, "+" kept. Null when
 * the order has none.
 */
function phoneKey(order: OrderToCheck): string | null {
  const customerPhone = order.customer.phone?.trim();
  const [phone, country] = customerPhone
    ? [customerPhone, order.billingCountry ?? order.shippingAddress.country]
    : [order.shippingAddress.phone?.trim(), order.shippingAddress.country];
  if (!phone) return null;
  const e164 = normalisePhone(phone, country);
  if (e164) return e164;
  const digits = phone.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return /\d/.test(digits) ? digits : null;
}

/**
 * The keys the store counts an order's repeats by (`CustomerHistory`): an email or phone that is blank is none,
 * and its velocity check does not run.
 */
export function velocityKeys(order: OrderToCheck): {
  email: string | null;
  address: string;
  phone: string | null;
} {
  const email = emailKey(order.customer.email);
  return { email: email ? email : null, address: addressKey(order.shippingAddress), phone: phoneKey(order) };
}

function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Fraud

/** Why the order looks like fraud under the retailer's rules; [] when it does not (or when there are no rules). */
export function fraudReasons(
  order: OrderToCheck,
  history: CustomerHistory,
  rules: OrderCheckRules,
): HoldReason[] {
  const reasons: HoldReason[] = [];
  const keys = velocityKeys(order);
  const velocity = rules.velocity ?? {};
  const repeats = [
    ['velocity.email', 'email', velocity.email, keys.email !== null, history.sameEmail],
    ['velocity.address', 'shipping address', velocity.address, true, history.sameAddress],
    ['velocity.phone', 'phone', velocity.phone, keys.phone !== null, history.samePhone],
  ] as const;
  for (const [check, what, limit, present, others] of repeats) {
    const orders = others + 1;
    if (limit && present && orders > limit.orders)
      reasons.push({
        check,
        message:
          `the same ${what} in ${plural(orders, 'order')} within ${plural(limit.withinMinutes, 'minute')} ` +
          `(limit ${limit.orders})`,
      });
  }

  const billing = order.billingCountry?.trim().toUpperCase();
  const shipping = order.shippingAddress.country.trim().toUpperCase();
  if (rules.countryMismatch && billing && billing !== shipping)
    reasons.push({
      check: 'fraud.country_mismatch',
      message: `billing country ${billing} differs from shipping country ${shipping}`,
    });

  const max = limitFor(rules.maxOrderValue, order.total);
  if (max && order.total.amount > max.amount)
    reasons.push({
      check: 'fraud.order_value',
      message: `order value ${formatAmount(order.total)} above the limit ${formatAmount(max)}`,
    });

  const firstMax = limitFor(rules.firstOrderMaxValue, order.total);
  if (firstMax && history.earlierOrdersOfEmail === 0 && order.total.amount > firstMax.amount)
    reasons.push({
      check: 'fraud.first_order',
      message:
        `first order of this customer: order value ${formatAmount(order.total)} above the first-order limit ` +
        formatAmount(firstMax),
    });
  return reasons;
}

/** The limit in the order's currency (the lowest, should the rules name one currency twice), or none. */
function limitFor(limits: readonly Money[] | undefined, total: Money): Money | undefined {
  return (limits ?? [])
    .filter((limit) => limit.currency === total.currency)
    .reduce<Money | undefined>((low, limit) => (low && low.amount <= limit.amount ? low : limit), undefined);
}

/** "2,500.00 USD", "250,000 JPY": the currency's own digits, thousands grouped, integer arithmetic only. */
export function formatAmount(m: Money): string {
  const [units = '', fraction] = toDecimalString(m).split('.');
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fraction === undefined ? grouped : `${grouped}.${fraction}`} ${m.currency}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Where an address ships to, as routing reads it: its country, region and postal code, and whether it is a PO box
 * (only nodes whose carriers deliver to PO boxes may take it).
 */
export function destinationOf(
  address: Pick<Address, 'country' | 'region' | 'postalCode' | 'line1' | 'line2'>,
): {
  country: string;
  region?: string | undefined;
  postalCode?: string | undefined;
  poBox: boolean;
} {
  return {
    country: address.country,
    region: address.region,
    postalCode: address.postalCode,
    poBox: isPoBox(address.line1) || isPoBox(address.line2 ?? ''),
  };
}

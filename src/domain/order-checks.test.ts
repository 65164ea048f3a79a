import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { money } from './money.ts';
import type { Address } from './order.ts';
import {
  addressKey,
  addressProblems,
  emailKey,
  formatAmount,
  fraudReasons,
  isPoBox,
  normalisePhone,
  velocityKeys,
  type CustomerHistory,
  type OrderCheckRules,
  type OrderToCheck,
} from './order-checks.ts';

const address = (over: Partial<Address> = {}): Address => ({
  name: 'Ada Lovelace',
  line1: '1600 Pennsylvania Ave NW',
  city: 'Washington',
  region: 'DC',
  postalCode: '20500',
  country: 'US',
  ...over,
});

const order = (over: Partial<OrderToCheck> = {}): OrderToCheck => ({
  total: money(5000, 'USD'),
  customer: { email: 'ada@example.com', phone: '+1 202 456 1111' },
  shippingAddress: address(),
  ...over,
});

const NO_HISTORY: CustomerHistory = { sameEmail: 0, sameAddress: 0, samePhone: 0, earlierOrdersOfEmail: 0 };
const history = (over: Partial<CustomerHistory> = {}): CustomerHistory => ({ ...NO_HISTORY, ...over });

describe('addressProblems: required parts', () => {
  it('finds nothing wrong with a whole, valid address', () => {
    expect(addressProblems(address())).toEqual([]);
  });

  it.each([
    [{ name: ' ' }, 'the shipping address has no name'],
    [{ line1: '', city: '' }, 'the shipping address has no line1, city'],
    [{ postalCode: '' }, 'the shipping address has no postalCode'],
  ])('holds %j: %s', (over, message) => {
    expect(addressProblems(address(over))).toEqual([{ check: 'address.incomplete', message }]);
  });

  it('holds an unknown country, and judges neither its postal code nor its phone', () => {
    expect(addressProblems(address({ country: 'XX', postalCode: '?', phone: '12' }))).toEqual([
      {
        check: 'address.incomplete',
        message: `the shipping address's country "XX" is not an ISO 3166-1 country`,
      },
    ]);
  });

  it('still judges the postal code of an address that lacks a name', () => {
    expect(addressProblems(address({ name: '', postalCode: '123' })).map((r) => r.check)).toEqual([
      'address.incomplete',
      'address.postal_code',
    ]);
  });
});

describe('addressProblems: postal code of the country', () => {
  it.each([
    ['US', '20500', '5 digits'],
    ['US', '20500-0003', 'ZIP+4'],
    ['US', ' 20500 ', 'surrounded by space'],
    ['GB', 'SW1A 1AA', 'with its space'],
    ['GB', 'sw1a1aa', 'lower case, run together'],
    ['GB', 'M1 1AE', 'a short outward code'],
    ['CA', 'K1A 0B1', 'with its space'],
    ['CA', 'k1a0b1', 'lower case, run together'],
    ['DE', '10115', '5 digits'],
    ['NL', '1012 AB', 'with its space'],
    ['NL', '1012ab', 'lower case, run together (the library pattern is upper case only)'],
    ['JP', '100-0001', 'with its hyphen'],
    ['JP', '1000001', 'without the hyphen'],
    ['JP', '１００－０００１', 'in full-width digits'],
    ['AE', '', 'a country without postal codes, none given'],
    ['AE', '00000', 'a country the library has no pattern for'],
  ])('accepts %s %j (%s)', (country, postalCode) => {
    expect(addressProblems(address({ country, postalCode }))).toEqual([]);
  });

  it.each([
    ['US', '2050', 'four digits'],
    ['US', '20500-03', 'a short +4'],
    ['US', 'ABCDE', 'letters'],
    ['GB', '12345', 'digits only'],
    ['GB', 'SW1A 1A', 'a short inward code'],
    ['CA', 'K1A 0B', 'a short code'],
    ['CA', 'D1A 0B1', 'D, which Canada does not use'],
    ['DE', '1011', 'four digits'],
    ['DE', 'D-10115', 'the old country prefix'],
    ['NL', '1012 A', 'one letter'],
    ['NL', 'AB 1012', 'letters first'],
    ['JP', '100-001', 'too short'],
    ['JP', '10000011', 'too long'],
  ])('holds %s %j (%s)', (country, postalCode) => {
    expect(addressProblems(address({ country, postalCode }))).toEqual([
      {
        check: 'address.postal_code',
        message: `postal code ${JSON.stringify(postalCode)} is not a valid ${country} postal code`,
      },
    ]);
  });

  it('names the value and the country', () => {
    expect(addressProblems(address({ postalCode: '1234' }))[0]?.message).toBe(
      'postal code "1234" is not a valid US postal code',
    );
  });
});

describe('PO boxes', () => {
  it.each([
    'PO Box 123',
    'P.O. Box 123',
    'P. O. Box 5',
    'p o box 7',
    'PO-Box 9',
    'po box',
    'POBox 12',
    'POBOX #12',
    'P.O.Box 44',
    'GPO Box 1234',
    'Post Office Box 12',
    'POB 12',
    'P.O.B. 12',
    'Postfach 10 11 12',
    'Postfach',
    'Apartado 123',
    'Apartado de Correos 45',
    'Apartado postal 12',
    'Apdo. 77',
    'Apartado Nº 12',
    'Boîte postale 12',
    'BOITE POSTALE 3',
    'BP 12',
    'B.P. 1234',
    'Caixa Postal 1234',
    'Casilla 123',
    'Casilla de correo 45',
    'Unit 4, PO Box 5',
    'Pobox Street, PO Box 5',
  ])('%j is a PO box', (line) => {
    expect(isPoBox(line)).toBe(true);
  });

  it.each([
    'Box Hill Road',
    '12 Box Hill Rd',
    '12 Pobox Street',
    'Pobox Lane',
    '12 Boxwood Lane',
    '1 Post Office Road',
    'Postfachweg 3',
    '12 Postal Way',
    'BP station',
    'Bpost Avenue',
    'Casillas 3',
    'Calle Casilla',
    'Apartamento 3',
    'Calle Mayor 5, 2º',
    '12 Hippo Box Ave',
    'Depot Box 12',
    '12 Main St',
  ])('%j is no PO box', (line) => {
    expect(isPoBox(line)).toBe(false);
  });

  it('holds a PO box in either line when the retailer allows none', () => {
    expect(addressProblems(address({ line1: 'PO Box 123 ' }), { poBoxAllowed: false })).toEqual([
      {
        check: 'address.po_box',
        message: 'the shipping address "PO Box 123" is a PO box, and this retailer ships to none',
      },
    ]);
    expect(
      addressProblems(address({ line1: 'Acme Corp', line2: 'P.O. Box 9' }), { poBoxAllowed: false }).map(
        (r) => r.check,
      ),
    ).toEqual(['address.po_box']);
  });

  it.each([[{ poBoxAllowed: true }], [{}], [undefined]])('does not look for one under %j', (options) => {
    expect(addressProblems(address({ line1: 'PO Box 123' }), options)).toEqual([]);
  });

  it('holds no street address when the retailer allows no PO box', () => {
    expect(addressProblems(address({ line1: '12 Box Hill Rd' }), { poBoxAllowed: false })).toEqual([]);
  });
});

describe('phones', () => {
  it.each([
    ['(202) 456-1111', 'US', '+12024561111'],
    ['202.456.1111', 'US', '+12024561111'],
    ['+1 202 456 1111', 'US', '+12024561111'],
    ['030 901820', 'DE', '+4930901820'],
    ['0151 23456789', 'DE', '+4915123456789'],
    ['+49 30 901820', 'US', '+4930901820'],
    ['020 7946 0958', 'GB', '+442079460958'],
  ])('normalises %j in %s to %s', (phone, country, e164) => {
    expect(normalisePhone(phone, country)).toBe(e164);
  });

  it.each([
    ['12345', 'US', 'too short'],
    ['(555) 555-5555', 'US', 'no such area code'],
    ['not a phone', 'US', 'no digits'],
    ['', 'US', 'empty'],
    ['1-800-FLOWERS', 'US', 'letters'],
    ['2024561111', 'AQ', 'a national number where the library has no numbering plan'],
  ])('finds no number in %j for %s (%s)', (phone, country) => {
    expect(normalisePhone(phone, country)).toBeNull();
  });

  it('holds a shipping address whose phone is no valid number for its country', () => {
    expect(addressProblems(address({ phone: '555-1234' }))).toEqual([
      { check: 'address.phone', message: 'phone "555-1234" is not a valid phone number for US' },
    ]);
    expect(addressProblems(address({ country: 'DE', postalCode: '10115', phone: '12' }))[0]?.check).toBe(
      'address.phone',
    );
  });

  it.each([
    ['(202) 456-1111', 'US', 'a national number'],
    ['+44 20 7946 0958', 'US', 'an international number of another country'],
    ['', 'US', 'none'],
    ['  ', 'US', 'blanks'],
  ])('does not hold %j for %s (%s)', (phone, country) => {
    expect(addressProblems(address({ phone, country }))).toEqual([]);
  });

  it('judges only international numbers where the library has no numbering plan (Antarctica)', () => {
    const aq = address({ country: 'AQ', postalCode: 'BIQQ 1ZZ' });
    expect(addressProblems({ ...aq, phone: '12 34' })).toEqual([]);
    expect(addressProblems({ ...aq, phone: '+1 555' }).map((r) => r.check)).toEqual(['address.phone']);
  });
});

describe('emailKey', () => {
  it.each([
    ['Ada@Example.com', 'ada@example.com', 'case'],
    ['  ada@example.com\t', 'ada@example.com', 'surrounding space'],
    ['ada+shop@example.com', 'ada@example.com', 'a plus tag'],
    ['ada+a+b@example.com', 'ada@example.com', 'a plus tag with a plus in it'],
    ['a.da@example.com', 'a.da@example.com', 'dots elsewhere than Gmail'],
    ['a.d.a@gmail.com', 'ada@gmail.com', 'Gmail dots'],
    ['A.D.A+Promo@GMAIL.COM', 'ada@gmail.com', 'Gmail dots, a tag and case'],
    ['a.da@googlemail.com', 'ada@gmail.com', 'googlemail.com, the same mailbox'],
    ['+ada@example.com', '+ada@example.com', 'a local part that starts with +, no tag'],
    ['not-an-email', 'not-an-email', 'no @'],
  ])('%j is %j (%s)', (email, key) => {
    expect(emailKey(email)).toBe(key);
  });

  it('is idempotent', () => {
    const gmailish = fc
      .tuple(
        fc.stringMatching(/^[A-Za-z0-9.+ ]{0,12}$/),
        fc.constantFrom('gmail.com', 'GoogleMail.com', 'x.org'),
      )
      .map(([local, domain]) => `${local}@${domain}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.emailAddress(), gmailish), (email) => {
        expect(emailKey(emailKey(email))).toBe(emailKey(email));
      }),
    );
  });

  it('one Gmail mailbox is one key, however its dots, tag and case are written', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{1,10}$/),
        fc.array(fc.nat(10)),
        fc.stringMatching(/^[a-z0-9]{0,6}$/),
        fc.boolean(),
        (local, dots, tag, upper) => {
          let written = local;
          for (const at of dots) written = `${written.slice(0, at)}.${written.slice(at)}`;
          const email = `${written}${tag ? `+${tag}` : ''}@gmail.com`;
          expect(emailKey(upper ? email.toUpperCase() : email)).toBe(`${local}@gmail.com`);
        },
      ),
    );
  });
});

describe('addressKey', () => {
  it('is one key for "12 Main St." and "12  main st" at the same postal code and country', () => {
    expect(addressKey({ line1: '12 Main St.', postalCode: '20500', country: 'US' })).toBe(
      addressKey({ line1: '12  main st', postalCode: '20500', country: 'US' }),
    );
    expect(addressKey({ line1: '12 Main St.', postalCode: '20500', country: 'US' })).toBe(
      'US|20500|12 main st',
    );
  });

  it.each([
    [
      { line1: 'Flat 2, 10 Downing St', postalCode: 'SW1A 2AA', country: 'GB' },
      { line1: 'flat 2 10 downing st.', postalCode: 'sw1a2aa', country: 'GB' },
    ],
    [
      { line1: 'Bahnhofstraße 1', postalCode: '10115', country: 'DE' },
      { line1: 'BAHNHOFSTRASSE 1', postalCode: '10115', country: 'DE' },
    ],
    [
      { line1: 'Rue de l’Église 3', postalCode: '75001', country: 'FR' },
      { line1: 'rue de l eglise 3', postalCode: '75001', country: 'FR' },
    ],
    [
      { line1: '1 Main St', postalCode: '20500-0003', country: 'US' },
      { line1: '1 Main St', postalCode: '20500', country: 'US' },
    ],
  ])('%j and %j are one address', (a, b) => {
    expect(addressKey(a)).toBe(addressKey(b));
  });

  it.each([
    [
      { line1: '12 Main St', postalCode: '20500', country: 'US' },
      { line1: '13 Main St', postalCode: '20500', country: 'US' },
    ],
    [
      { line1: '12 Main St', postalCode: '20500', country: 'US' },
      { line1: '12 Main St', postalCode: '20501', country: 'US' },
    ],
    [
      { line1: '12 Main St', postalCode: '20500', country: 'US' },
      { line1: '12 Main St', postalCode: '20500', country: 'CA' },
    ],
  ])('%j and %j are two addresses', (a, b) => {
    expect(addressKey(a)).not.toBe(addressKey(b));
  });

  it('ignores changes of case and whitespace', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
    const space = fc.stringMatching(/^[ \t\n]{1,3}$/);
    const written = (words: string[], spaces: string[], upper: boolean[]) =>
      words.map((w, i) => `${spaces[i] ?? ' '}${upper[i] ? w.toUpperCase() : w.toLowerCase()}`).join('') +
      (spaces[words.length] ?? '');
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 6 }),
        fc.array(word, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('US', 'GB', 'NL'),
        fc.array(space, { maxLength: 8 }),
        fc.array(space, { maxLength: 8 }),
        fc.array(fc.boolean(), { maxLength: 8 }),
        (line, postal, country, spacesA, spacesB, upper) => {
          const a = { line1: line.join(' '), postalCode: postal.join(' '), country };
          const b = {
            line1: written(line, spacesA, upper),
            postalCode: written(postal, spacesB, upper),
            country: ` ${country.toLowerCase()} `,
          };
          expect(addressKey(b)).toBe(addressKey(a));
        },
      ),
    );
  });
});

describe('velocityKeys', () => {
  it('keys the email, the address and the customer phone in E.164', () => {
    expect(velocityKeys(order({ customer: { email: 'A.da+x@gmail.com', phone: '(202) 456-1111' } }))).toEqual(
      {
        email: 'ada@gmail.com',
        address: 'US|20500|1600 pennsylvania ave nw',
        phone: '+12024561111',
      },
    );
  });

  it("reads the customer's phone as the billing country's", () => {
    const o = order({ customer: { email: 'a@b.c', phone: '030 901820' }, billingCountry: 'DE' });
    expect(velocityKeys(o).phone).toBe('+4930901820');
  });

  it("falls back to the shipping address's phone, and to the digits of a number that is no valid one", () => {
    const noCustomerPhone = { email: 'a@b.c' };
    expect(
      velocityKeys(order({ customer: noCustomerPhone, shippingAddress: address({ phone: '202-456-1111' }) }))
        .phone,
    ).toBe('+12024561111');
    expect(velocityKeys(order({ customer: { email: 'a@b.c', phone: '555 12-34' } })).phone).toBe('5551234');
    expect(velocityKeys(order({ customer: noCustomerPhone })).phone).toBeNull();
    expect(velocityKeys(order({ customer: { email: '  ' } })).email).toBeNull();
  });
});

describe('formatAmount', () => {
  it.each([
    [money(250000, 'USD'), '2,500.00 USD'],
    [money(5, 'USD'), '0.05 USD'],
    [money(-123456, 'EUR'), '-1,234.56 EUR'],
    [money(250000, 'JPY'), '250,000 JPY'],
    [money(1234567, 'BHD'), '1,234.567 BHD'],
    [money(100000000, 'USD'), '1,000,000.00 USD'],
  ])('%j is %s', (m, text) => {
    expect(formatAmount(m)).toBe(text);
  });
});

describe('fraudReasons', () => {
  const VELOCITY: OrderCheckRules = {
    velocity: {
      email: { orders: 3, withinMinutes: 60 },
      address: { orders: 2, withinMinutes: 1440 },
      phone: { orders: 1, withinMinutes: 1 },
    },
  };

  it.each<[string, Partial<OrderToCheck>, Partial<CustomerHistory>, OrderCheckRules, string[]]>([
    // Velocity: more than `orders` orders, this one included.
    [
      'email: 4 orders, limit 3',
      {},
      { sameEmail: 3 },
      VELOCITY,
      ['velocity.email: the same email in 4 orders within 60 minutes (limit 3)'],
    ],
    ['email: 3 orders, limit 3', {}, { sameEmail: 2 }, VELOCITY, []],
    ['email: blank, however many others', { customer: { email: ' ' } }, { sameEmail: 50 }, VELOCITY, []],
    [
      'address: 3 orders, limit 2',
      {},
      { sameAddress: 2 },
      VELOCITY,
      ['velocity.address: the same shipping address in 3 orders within 1440 minutes (limit 2)'],
    ],
    ['address: 2 orders, limit 2', {}, { sameAddress: 1 }, VELOCITY, []],
    [
      'phone: 2 orders, limit 1',
      {},
      { samePhone: 1 },
      VELOCITY,
      ['velocity.phone: the same phone in 2 orders within 1 minute (limit 1)'],
    ],
    ['phone: 1 order, limit 1', {}, { samePhone: 0 }, VELOCITY, []],
    ['phone: the order has none', { customer: { email: 'a@b.c' } }, { samePhone: 9 }, VELOCITY, []],
    [
      'velocity: no rule for the kind',
      {},
      { sameEmail: 99 },
      { velocity: { address: { orders: 1, withinMinutes: 5 } } },
      [],
    ],
    // Country mismatch.
    [
      'billing CA, shipping US',
      { billingCountry: 'CA' },
      {},
      { countryMismatch: true },
      ['fraud.country_mismatch: billing country CA differs from shipping country US'],
    ],
    ['billing US, shipping US', { billingCountry: 'US' }, {}, { countryMismatch: true }, []],
    ['no billing country', {}, {}, { countryMismatch: true }, []],
    ['billing CA, rule off', { billingCountry: 'CA' }, {}, { countryMismatch: false }, []],
    // Order value.
    [
      'USD 2,500.00 over 2,000.00',
      { total: money(250000, 'USD') },
      {},
      { maxOrderValue: [money(200000, 'USD')] },
      ['fraud.order_value: order value 2,500.00 USD above the limit 2,000.00 USD'],
    ],
    ['USD at the limit', { total: money(200000, 'USD') }, {}, { maxOrderValue: [money(200000, 'USD')] }, []],
    [
      'EUR with only a USD limit',
      { total: money(999999, 'EUR') },
      {},
      { maxOrderValue: [money(100, 'USD')] },
      [],
    ],
    [
      'JPY among limits in several currencies',
      { total: money(300001, 'JPY') },
      {},
      { maxOrderValue: [money(100, 'USD'), money(300000, 'JPY')] },
      ['fraud.order_value: order value 300,001 JPY above the limit 300,000 JPY'],
    ],
    [
      'one currency named twice: the lower limit',
      { total: money(150000, 'USD') },
      {},
      { maxOrderValue: [money(200000, 'USD'), money(100000, 'USD')] },
      ['fraud.order_value: order value 1,500.00 USD above the limit 1,000.00 USD'],
    ],
    // First order.
    [
      'first order over the first-order limit',
      { total: money(15000, 'USD') },
      { earlierOrdersOfEmail: 0 },
      { firstOrderMaxValue: [money(10000, 'USD')] },
      [
        'fraud.first_order: first order of this customer: order value 150.00 USD above the first-order limit 100.00 USD',
      ],
    ],
    [
      'a returning customer over the first-order limit',
      { total: money(15000, 'USD') },
      { earlierOrdersOfEmail: 1 },
      { firstOrderMaxValue: [money(10000, 'USD')] },
      [],
    ],
    [
      'first order at the limit',
      { total: money(10000, 'USD') },
      {},
      { firstOrderMaxValue: [money(10000, 'USD')] },
      [],
    ],
    [
      'first order in a currency with no first-order limit',
      { total: money(15000, 'GBP') },
      {},
      { firstOrderMaxValue: [money(10000, 'USD')] },
      [],
    ],
  ])('%s', (_, over, hist, rules, expected) => {
    const reasons = fraudReasons(order(over), history(hist), rules);
    expect(reasons.map((r) => `${r.check}: ${r.message}`)).toEqual(expected);
  });

  it('gives every reason at once, in a fixed order', () => {
    const rules: OrderCheckRules = {
      ...VELOCITY,
      countryMismatch: true,
      maxOrderValue: [money(100000, 'USD')],
      firstOrderMaxValue: [money(50000, 'USD')],
    };
    const reasons = fraudReasons(
      order({ total: money(200000, 'USD'), billingCountry: 'GB' }),
      history({ sameEmail: 10, sameAddress: 10, samePhone: 10 }),
      rules,
    );
    expect(reasons.map((r) => r.check)).toEqual([
      'velocity.email',
      'velocity.address',
      'velocity.phone',
      'fraud.country_mismatch',
      'fraud.order_value',
      'fraud.first_order',
    ]);
  });

  const currencyCode = fc.constantFrom('USD', 'EUR', 'JPY', 'BHD');
  const amount = (code: fc.Arbitrary<string>) =>
    fc.tuple(fc.integer({ min: 0, max: 10_000_000 }), code).map(([a, c]) => money(a, c));
  const anyOrder = fc.record({
    total: amount(currencyCode),
    customer: fc.record({ email: fc.emailAddress(), phone: fc.option(fc.string(), { nil: undefined }) }),
    shippingAddress: fc.record({
      name: fc.string(),
      line1: fc.string(),
      city: fc.string(),
      postalCode: fc.string(),
      country: fc.constantFrom('US', 'CA', 'DE', 'GB', 'JP', 'AE'),
    }),
    billingCountry: fc.option(fc.constantFrom('US', 'CA', 'DE', 'GB'), { nil: undefined }),
  });
  const count = fc.nat(1000);
  const anyHistory = fc.record({
    sameEmail: count,
    sameAddress: count,
    samePhone: count,
    earlierOrdersOfEmail: count,
  });

  it('finds nothing without rules', () => {
    fc.assert(
      fc.property(
        anyOrder,
        anyHistory,
        fc.constantFrom<OrderCheckRules>({}, { velocity: {} }),
        (o, h, rules) => {
          expect(fraudReasons(o, h, rules)).toEqual([]);
        },
      ),
    );
  });

  it('finds nothing in an order under every limit', () => {
    // A limit, and a count of other orders that keeps this one within it.
    const limitAndOthers = fc
      .integer({ min: 1, max: 50 })
      .chain((orders) =>
        fc.tuple(
          fc.record({ orders: fc.constant(orders), withinMinutes: fc.integer({ min: 1, max: 10_080 }) }),
          fc.nat(orders - 1),
        ),
      );
    fc.assert(
      fc.property(
        anyOrder,
        limitAndOthers,
        limitAndOthers,
        limitAndOthers,
        fc.nat(1000),
        fc.nat(10_000_000),
        fc.nat(10_000_000),
        (
          o,
          [email, sameEmail],
          [addr, sameAddress],
          [phone, samePhone],
          earlier,
          headroom,
          firstHeadroom,
        ) => {
          const rules: OrderCheckRules = {
            velocity: { email, address: addr, phone },
            countryMismatch: true,
            maxOrderValue: [money(o.total.amount + headroom, o.total.currency), money(1, 'XOF')],
            firstOrderMaxValue: [money(o.total.amount + firstHeadroom, o.total.currency)],
          };
          const h: CustomerHistory = { sameEmail, sameAddress, samePhone, earlierOrdersOfEmail: earlier };
          const sameCountry = { ...o, billingCountry: o.shippingAddress.country };
          expect(fraudReasons(sameCountry, h, rules)).toEqual([]);
        },
      ),
    );
  });
});

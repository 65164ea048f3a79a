import x12 from 'node-x12';
import { describe, expect, it } from 'vitest';
import { cancel860, purchaseOrder850 } from '../map.ts';
import { writeInterchange, type Partners } from './envelope.ts';
import { functionalAck } from './functional-ack.ts';
import { readFile, type FileReading } from './read-file.ts';

// Documents as partners write them, in the layout of the published 004010 guides (docs/edi-x12.md).

const partners: Partners = {
  us: { qualifier: 'ZZ', id: 'WAYBILL', application: 'WAYBILL' },
  them: { qualifier: 'ZZ', id: 'ACME', application: 'ACMEAPP' },
  usage: 'P',
  ackRequested: false,
  delimiters: { element: '*', segment: '~', component: '>' },
  newline: false,
};

const ISA =
  'ISA*00*          *00*          *ZZ*ACME           *ZZ*WAYBILL        *261202*0930*U*00401*000000007*0*P*>~';

/** A partner's interchange of one group (GS06 7) of one set (ST02 0001), SE01 counted. */
function edi(functionalId: string, setId: string, body: string[]): string {
  return [
    ISA,
    `GS*${functionalId}*ACMEAPP*WAYBILL*20261202*0930*7*X*004010~`,
    `ST*${setId}*0001~`,
    ...body.map((s) => `${s}~`),
    `SE*${body.length + 2}*0001~`,
    'GE*1*7~',
    'IEA*1*000000007~',
  ].join('\n');
}

const read = (text: string): FileReading =>
  readFile(Buffer.from(text, 'latin1'), partners, { fallbackCurrency: 'USD' });

/** The 997 Waybill would send for a reading, as text with one segment a line. */
function reply(reading: FileReading): string {
  const bytes = writeInterchange(partners, {
    functionalId: 'FA',
    controlNumber: 42,
    at: reading.sentAt!,
    sets: reading.acks.map((v) => ({ id: '997', segments: functionalAck(v, partners.delimiters) })),
  });
  return bytes.toString('latin1').split('~').join('~\n');
}

const PO = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  currency: 'USD',
  createdAt: new Date('2026-12-01T10:05:00Z'),
  shipTo: {
    name: 'Zoë Smith',
    line1: '1 Main St*',
    line2: 'Apt 2',
    city: 'Springfield',
    region: 'IL',
    postalCode: '62701',
    country: 'US',
    phone: '+1 217 555 0100',
  },
  brand: 'Demo Retail',
  lines: [
    { lineNumber: 1, supplierSku: 'S-MUG', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 },
    { lineNumber: 2, supplierSku: 'S-TEE', sku: 'TEE-M', quantity: 1, unitCost: 1205 },
  ],
};

function po850(po = PO, p = partners): string {
  return writeInterchange(p, {
    functionalId: 'PO',
    controlNumber: 12,
    at: po.createdAt,
    sets: [{ id: '850', segments: purchaseOrder850(po, p.delimiters) }],
  }).toString('latin1');
}

describe('850 and 860 out', () => {
  it('writes the envelope and the PO in the 004010 layout, with the control number in ISA13, GS06 and ST02', () => {
    expect(po850().split('~')).toEqual([
      'ISA*00*          *00*          *ZZ*WAYBILL        *ZZ*ACME           *261201*1005*U*00401*000000012*0*P*>',
      'GS*PO*WAYBILL*ACMEAPP*20261201*1005*12*X*004010',
      'ST*850*0012',
      'BEG*00*SA*PO-01JD3K8Z9Q-ACME**20261201',
      'REF*CO*ord_01JD3K8Z9Q',
      'N1*BY*Demo Retail',
      'N1*ST*Zoe Smith',
      'N3*1 Main St*Apt 2',
      'N4*Springfield*IL*62701*US',
      'PER*IC**TE*+1 217 555 0100',
      'PO1*1*2*EA*4.50**BP*MUG-BLUE*VP*S-MUG',
      'PO1*2*1*EA*12.05**BP*TEE-M*VP*S-TEE',
      'CTT*2',
      'SE*12*0012',
      'GE*1*12',
      'IEA*1*000000012',
      '',
    ]);
  });

  it('is byte-identical when the same PO is written again', () => {
    expect(po850()).toBe(po850());
  });

  it('reads back through node-x12 with no diagnostic, in the partner delimiters, one segment a line', () => {
    const p = { ...partners, delimiters: { element: '|', segment: '!', component: '^' }, newline: true };
    const text = po850({ ...PO, currency: 'EUR' }, p);
    expect(text).toContain('\nCUR|BY|EUR!\n');
    expect(text.slice(0, 106)).toMatch(/^ISA\|.{99}\|\^!$/);
    const parser = new x12.X12Parser(false);
    parser.parse(text);
    expect(parser.diagnostics).toEqual([]);
  });

  it('writes an 860 cancellation: BCH 01 SA with the PO number, and the reason', () => {
    const segments = cancel860(
      {
        poNumber: PO.poNumber,
        orderId: PO.orderId,
        reason: 'not acknowledged~ in 2 days',
        cancelledAt: PO.createdAt,
      },
      partners.delimiters,
    );
    expect(segments.map((s) => [s.tag, ...s.elements].join('*'))).toEqual([
      'BCH*01*SA*PO-01JD3K8Z9Q-ACME***20261201*****20261201',
      'REF*CO*ord_01JD3K8Z9Q',
      'N9*L1*CANCEL REASON',
      'MSG*not acknowledged in 2 days',
    ]);
  });

  it('refuses for good an id that holds a delimiter (it would split the segment)', () => {
    expect(() => po850({ ...PO, lines: [{ ...PO.lines[0]!, supplierSku: 'S*MUG' }] })).toThrow(
      /PO109 "S\*MUG" holds the delimiter/,
    );
  });
});

describe('855 in', () => {
  const ack = (type: string, ...lines: string[]) =>
    edi('PR', '855', [`BAK*00*${type}*PO-1*20261202`, ...lines]);

  it('reads accepted lines and answers with a positive 997', () => {
    const reading = read(
      ack('AD', 'PO1*1*2*EA*4.50**VP*S-MUG', 'ACK*IA*2*EA', 'PO1*2*1*EA*12.05**VP*S-TEE', 'ACK*IA*1*EA'),
    );
    expect(reading.refused).toBeUndefined();
    expect(reading.documents?.acknowledgements).toEqual([
      {
        poNumber: 'PO-1',
        lines: [
          { lineNumber: 1, status: 'accepted' },
          { lineNumber: 2, status: 'accepted' },
        ],
      },
    ]);
    expect(reply(reading)).toContain(
      'ST*997*0042~\nAK1*PR*7~\nAK2*855*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0042~',
    );
  });

  it('reads a backordered line with the date it ships (ACK04 068, ACK05)', () => {
    const reading = read(ack('AC', 'PO1*1*2*EA*4.50', 'ACK*IB*2*EA*068*20261220'));
    expect(reading.documents?.acknowledgements[0]?.lines).toEqual([
      { lineNumber: 1, status: 'backordered', availableOn: '2026-12-20' },
    ]);
  });

  it('reads rejected lines (RD with IR)', () => {
    const reading = read(ack('RD', 'PO1*1*2*EA', 'ACK*IR*2*EA', 'PO1*2*1*EA'));
    expect(reading.documents?.acknowledgements[0]?.lines.map((l) => l.status)).toEqual([
      'rejected',
      'rejected',
    ]);
  });

  it('reads IQ, IP and DR as accepted with the change', () => {
    const reading = read(
      ack(
        'AC',
        'PO1*1*5*EA*4.50',
        'ACK*IQ*3*EA',
        'PO1*2*1*EA*12.10',
        'ACK*IP*1*EA',
        'PO1*3*1*EA',
        'ACK*DR*1*EA*068*20261215',
      ),
    );
    expect(reading.documents?.acknowledgements[0]?.lines).toEqual([
      { lineNumber: 1, status: 'accepted', change: { quantity: 3 } },
      { lineNumber: 2, status: 'accepted', change: { unitCost: 1210 } },
      { lineNumber: 3, status: 'accepted', change: { shipOn: '2026-12-15' } },
    ]);
  });

  it('reads BAK02 RJ with no lines as the whole PO rejected', () => {
    const reading = read(ack('RJ'));
    expect(reading.documents?.acknowledgements).toEqual([{ poNumber: 'PO-1', lines: [], whole: 'rejected' }]);
  });

  it('routes by ST01, not by the file name: an 810 read as an 810', () => {
    const reading = read(
      edi('IN', '810', ['BIG*20261203*INV-9**PO-1', 'IT1*1*2*EA*4.50**VP*S-MUG', 'TDS*900']),
    );
    expect(reading.documents?.invoices).toHaveLength(1);
    expect(reading.documents?.acknowledgements).toEqual([]);
  });
});

describe('856, 810, 846 and 997 in', () => {
  it('reads an 856 with two packages: one shipment, a package per tracking number, the lines summed', () => {
    const reading = read(
      edi('SH', '856', [
        'BSN*00*SHIP-77*20261203*1415',
        'HL*1**S',
        'TD5**2*UPSN',
        'DTM*011*20261203*1400',
        'HL*2*1*O',
        'PRF*PO-1',
        'HL*3*2*P',
        'MAN*CP*1Z999AA10123456784',
        'HL*4*3*I',
        'LIN*1*VP*S-MUG',
        'SN1**1*EA',
        'HL*5*2*P',
        'MAN*GM*00000123450000000018',
        'MAN*CP*1Z999AA10123456793',
        'HL*6*5*I',
        'LIN*1*VP*S-MUG',
        'SN1**1*EA',
        'HL*7*5*I',
        'LIN**VP*S-TEE*PL*2',
        'SN1**1*EA',
        'CTT*7',
      ]),
    );
    expect(reading.refused).toBeUndefined();
    expect(reading.documents?.shipments).toEqual([
      {
        poNumber: 'PO-1',
        carrier: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        shippedAt: new Date('2026-12-03T14:00:00Z'),
        lines: [
          { lineNumber: 1, quantity: 2 },
          { lineNumber: 2, quantity: 1 },
        ],
        packages: [
          { trackingNumber: '1Z999AA10123456784', lines: [{ lineNumber: 1, quantity: 1 }] },
          {
            trackingNumber: '1Z999AA10123456793',
            lines: [
              { lineNumber: 1, quantity: 1 },
              { lineNumber: 2, quantity: 1 },
            ],
          },
        ],
      },
    ]);
  });

  it('reads an 810: the invoice, its lines and the TDS total in minor units', () => {
    const reading = read(
      edi('IN', '810', [
        'BIG*20261203*INV-9*20261201*PO-1',
        'CUR*SE*EUR',
        'IT1*1*2*EA*4.5**VP*S-MUG',
        'IT1*2*1*EA*12.05**BP*TEE-M*VP*S-TEE',
        'TDS*2105',
      ]),
    );
    expect(reading.documents?.invoices).toEqual([
      {
        invoiceNumber: 'INV-9',
        poNumber: 'PO-1',
        invoicedOn: '2026-12-03',
        currency: 'EUR',
        total: 2105,
        lines: [
          { lineNumber: 1, supplierSku: 'S-MUG', quantity: 2, unitCost: 450 },
          { lineNumber: 2, supplierSku: 'S-TEE', quantity: 1, unitCost: 1205 },
        ],
      },
    ]);
  });

  it('reads an 846: quantity available (QTY 33 before 17) and the CTP price', () => {
    const reading = read(
      edi('IB', '846', [
        'BIA*00*DD*INV-1*20261203',
        'LIN**VP*S-MUG',
        'QTY*17*9*EA',
        'QTY*33*7*EA',
        'CTP**WHL*4.25',
        'LIN**VP*S-TEE*UP*012345678905',
        'QTY*17*0*EA',
      ]),
    );
    expect(reading.documents?.inventory).toEqual([
      { supplierSku: 'S-MUG', quantity: 7, unitCost: 425 },
      { supplierSku: 'S-TEE', quantity: 0 },
    ]);
  });

  it('reads a 997 as receipts by the group control number it names, and sends no 997 for it', () => {
    const reading = read(
      edi('FA', '997', [
        'AK1*PO*12',
        'AK2*850*0012',
        'AK3*PO1*5**8',
        'AK4*4**6*4,50',
        'AK5*R*5',
        'AK9*R*1*1*0',
      ]),
    );
    expect(reading.documents?.receipts).toEqual([
      {
        controlNumber: 12,
        accepted: false,
        errors: [
          '850 0012: segment PO1 at 5: 8 (segment has data element errors)',
          '850 0012: element 4: 6 (invalid character in data element) ("4,50")',
          '850 0012: 5 (one or more segments in error)',
        ],
      },
    ]);
    expect(reading.acks).toEqual([]);
  });

  it('reads an accepted 997 (AK901 A)', () => {
    const reading = read(edi('FA', '997', ['AK1*PC*13', 'AK2*860*0013', 'AK5*A', 'AK9*A*1*1*1']));
    expect(reading.documents?.receipts).toEqual([{ controlNumber: 13, accepted: true, errors: [] }]);
  });
});

describe('broken files: refused, nothing applied, a negative 997', () => {
  const good = edi('PR', '855', ['BAK*00*AD*PO-1*20261202', 'PO1*1*2*EA', 'ACK*IA*2*EA']);

  const refused = (text: string) => {
    const reading = read(text);
    expect(reading.documents).toBeUndefined();
    return { reason: reading.refused ?? '', ack: reply(reading) };
  };

  it('a wrong SE01: AK5 R 4', () => {
    const { reason, ack } = refused(good.replace('SE*5*0001', 'SE*9*0001'));
    expect(reason).toContain('855 0001 in group 7: SE01 says 9 segments, the set has 5');
    expect(ack).toContain('AK2*855*0001~\nAK5*R*4~\nAK9*R*1*1*0~');
  });

  it('GE02 not GS06: AK9 R 4', () => {
    const { reason, ack } = refused(good.replace('GE*1*7', 'GE*1*8'));
    expect(reason).toContain('group 7: GE02 8 is not GS06 7');
    expect(ack).toContain('AK5*R~\nAK9*R*1*1*0*4~');
  });

  it('an unknown ACK01 code: AK3 at its position, AK4 code 7 with a copy of it', () => {
    const { reason, ack } = refused(good.replace('ACK*IA', 'ACK*ZZ'));
    expect(reason).toContain('segment 4 ACK: ACK01 "ZZ" is not one of IA, IB, IR, IQ, IP, DR');
    expect(ack).toContain('AK2*855*0001~\nAK3*ACK*4**8~\nAK4*1**7*ZZ~\nAK5*R*5~\nAK9*R*1*1*0~');
  });

  it('a missing required segment: AK3 code 3', () => {
    const { reason, ack } = refused(edi('PR', '855', ['PO1*1*2*EA', 'ACK*IA*2*EA']));
    expect(reason).toContain('segment 2 BAK: the 855 must have a BAK segment');
    expect(ack).toContain('AK3*BAK*2**3~\nAK5*R*5~');
  });

  it('a backorder with no date: AK4 code 2 (conditional required element missing)', () => {
    const { reason, ack } = refused(good.replace('ACK*IA*2*EA', 'ACK*IB*2*EA'));
    expect(reason).toContain('ACK05 (with its qualifier in ACK04) is required with IB');
    expect(ack).toContain('AK3*ACK*4**8~\nAK4*5**2~');
  });

  it('a partner writing with other delimiters: a bad value holding one of ours is not copied into the 997', () => {
    const theirs = good
      .replace(/\*/g, '|')
      .replace(/~/g, '!')
      .replace('|>!', '|^!')
      .replace('ACK|IA', 'ACK|I*');
    const { reason, ack } = refused(theirs);
    expect(reason).toContain('ACK01 "I*" is not one of');
    expect(ack).toContain('AK3*ACK*4**8~\nAK4*1**7~');
  });

  it('a file from another partner, or of test data, is refused whole', () => {
    expect(refused(good.replace('ZZ*ACME    ', 'ZZ*OTHER   ')).reason).toContain(
      "ISA05/ISA06 ZZ/OTHER is not the partner's ZZ/ACME",
    );
    expect(refused(good.replace('*0*P*>', '*0*T*>')).reason).toContain(
      'ISA15 is T, but this partner is set up for production',
    );
  });

  it('a file cut short (no IEA) is refused', () => {
    expect(refused(good.replace('\nIEA*1*000000007~', '')).reason).toContain(
      'the interchange trailer (IEA) is missing',
    );
  });

  it('bytes that are not X12: refused, and no 997 (there is no ISA to answer)', () => {
    const reading = read('PO,SKU,QTY\nPO-1,S-MUG,2\n');
    expect(reading.documents).toBeUndefined();
    expect(reading.refused).toMatch(/^not an X12 interchange: it does not begin with an ISA segment/);
    expect(reading.refused).toContain('no 997 can be sent');
    expect(reading.acks).toEqual([]);
  });

  it('a broken 997 is refused but never answered with a 997', () => {
    const reading = read(edi('FA', '997', ['AK1*PO*12', 'AK9*Q*1*1*1']));
    expect(reading.refused).toContain('AK901 "Q"');
    expect(reading.acks).toEqual([]);
  });
});

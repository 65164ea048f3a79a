/**
 * The trading partner's side of the EDI bench, written from the X12 004010 layout (docs/edi-x12.md) rather than
 * imported from the transport, so the bench checks the hub against the format and not against itself: the 850s
 * Waybill uploaded are read for their PO number and lines, and each is answered with an 855 accepting every line.
 */

/** The partner's and Waybill's ISA ids in the bench's setup (both qualified ZZ). */
export const PARTIES = { waybill: 'WAYBILL', partner: 'BENCHEDI' } as const;

/** What an 855 must echo of an 850: the PO number (BEG03) and each PO1 line. */
export interface Ordered850 {
  poNumber: string;
  lines: { lineNumber: string; quantity: string; unitPrice: string; vendorPart: string }[];
}

/**
 * Reads an 850 interchange as a partner's translator would: the delimiters from the ISA (element at 3, segment
 * terminator at 105), then BEG03 and the PO1 segments. Throws on anything that is not one 850.
 */
export function read850(bytes: Buffer): Ordered850 {
  const text = bytes.toString('latin1');
  if (!text.startsWith('ISA') || text.length < 106) throw new Error('not an X12 interchange');
  const element = text[3]!;
  const terminator = text[105]!;
  const segments = text
    .split(terminator)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => s.split(element));
  const st = segments.find((s) => s[0] === 'ST');
  const beg = segments.find((s) => s[0] === 'BEG');
  if (st?.[1] !== '850' || !beg?.[3]) throw new Error(`not an 850 with BEG03: ${text.slice(0, 200)}`);
  const lines = segments
    .filter((s) => s[0] === 'PO1')
    .map((s) => {
      // PO106/PO107 and on: qualifier and id pairs (BP buyer's part, VP vendor's part).
      const vp = s.indexOf('VP', 6);
      return {
        lineNumber: s[1] ?? '',
        quantity: s[2] ?? '',
        unitPrice: s[4] ?? '',
        vendorPart: vp > 0 ? (s[vp + 1] ?? '') : '',
      };
    });
  if (lines.length === 0) throw new Error(`850 for ${beg[3]} has no PO1 line`);
  return { poNumber: beg[3], lines };
}

/**
 * An 855 from the partner accepting every line of `po` (BAK02 AD, each PO1 with ACK IA for its quantity), in its
 * own interchange: ISA/GS(PR)/ST 855/BAK/PO1+ACK/CTT/SE/GE/IEA, sender the partner, receiver Waybill. `control` is
 * the interchange's control number (ISA13, GS06 and ST02): one per file, so every file is a distinct interchange.
 */
export function write855(po: Ordered850, control: number, at: Date): Buffer {
  const stamp = at.toISOString();
  const ymd = stamp.slice(0, 10).replace(/-/g, '');
  const hm = stamp.slice(11, 16).replace(':', '');
  const isa13 = String(control).padStart(9, '0');
  const st02 = String(control).padStart(4, '0');
  const body = [
    ['ST', '855', st02],
    ['BAK', '00', 'AD', po.poNumber, ymd],
    ...po.lines.flatMap((l) => [
      ['PO1', l.lineNumber, l.quantity, 'EA', l.unitPrice, ...(l.vendorPart ? ['', 'VP', l.vendorPart] : [])],
      ['ACK', 'IA', l.quantity, 'EA'],
    ]),
    ['CTT', String(po.lines.length)],
  ];
  const segments = [
    // ISA: fixed width (ids padded to 15), 106 characters with its terminator.
    [
      'ISA',
      '00',
      ' '.repeat(10),
      '00',
      ' '.repeat(10),
      'ZZ',
      PARTIES.partner.padEnd(15),
      'ZZ',
      PARTIES.waybill.padEnd(15),
      ymd.slice(2),
      hm,
      'U',
      '00401',
      isa13,
      '0',
      'P',
      '>',
    ],
    ['GS', 'PR', PARTIES.partner, PARTIES.waybill, ymd, hm, String(control), 'X', '004010'],
    ...body,
    // SE01 counts ST to SE.
    ['SE', String(body.length + 1), st02],
    ['GE', '1', String(control)],
    ['IEA', '1', isa13],
  ];
  return Buffer.from(segments.map((s) => `${s.join('*')}~`).join(''), 'latin1');
}

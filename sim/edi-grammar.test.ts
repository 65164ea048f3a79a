import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkX12 } from '../test/support/x12-grammar.ts';
import { until } from '../test/support/until.ts';
import { startEdiPartner, type EdiPartner } from './edi-partner.ts';

const open: EdiPartner[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function order850(poNumber: string, control: number, lines: number): string {
  const isa13 = String(control).padStart(9, '0');
  const set = [
    'ST*850*0001~',
    `BEG*00*SA*${poNumber}**20261201~`,
    'N1*ST*Ann Smith~',
    ...Array.from(
      { length: lines },
      (_, i) => `PO1*${i + 1}*${i + 1}*EA*12.5**BP*SKU-${i + 1}*VP*S-${i + 1}~`,
    ),
    `CTT*${lines}~`,
  ];
  return [
    `ISA*00*          *00*          *ZZ*WAYBILL        *ZZ*ACMEEDI        *261201*1000*U*00401*${isa13}*0*P*>~`,
    `GS*PO*WAYBILL*ACMEEDI*20261201*1000*${control}*X*004010~`,
    ...set,
    `SE*${set.length + 1}*0001~`,
    `GE*1*${control}~`,
    `IEA*1*${isa13}~`,
  ].join('\n');
}

async function partnerWith(
  extra: Parameters<typeof startEdiPartner>[0] extends infer O ? Partial<O> : never,
) {
  const partner = await startEdiPartner({
    name: 'acme',
    interchangeId: 'ACMEEDI',
    buyerId: 'WAYBILL',
    invoices: true,
    backorderSkus: ['S-2'],
    rejectSkus: ['S-3'],
    sftp: { implementation: 'in-process' },
    ...extra,
  });
  open.push(partner);
  return partner;
}

function written(partner: EdiPartner): { file: string; text: string }[] {
  return partner.sent.map((d) => ({
    file: d.file,
    text: readFileSync(join(partner.server.root, 'out', d.file), 'latin1'),
  }));
}

describe('the EDI partner against the 004010 grammar (bots-edi facts)', () => {
  for (const [title, poNumber, guide] of [
    ['a PO number within element 324', 'PO-1234567', {}],
    ['a PO number as Waybill makes them, for a later PO of an order', 'PO-7KX2M9QH4TB1RS-2', {}],
  ] as const)
    it(`writes 997, 855, 856 and 810 that pass it: ${title}`, async () => {
      const partner = await partnerWith({});
      writeFileSync(join(partner.server.root, 'in', 'po.edi'), order850(poNumber, 7, 4));
      await until('the 810', () => partner.invoiced.has(poNumber));
      const files = written(partner);
      expect(files.map((f) => f.file.split('.')[0])).toEqual(['997', '855', '856', '810']);
      for (const { file, text } of files)
        expect({ file, faults: checkX12(text, guide) }).toEqual({ file, faults: [] });
    });

  it('finds a PO number longer than element 324 allows (22 characters)', () => {
    expect(checkX12(order850('PO-01JD3K8Z9QXYZ7W2V-ACME', 9, 1)).join('\n')).toMatch(/BEG03/);
    expect(checkX12(order850('PO-7KX2M9QH4TB1RS-2', 9, 1))).toEqual([]);
  });

  it('passes a 997 with AK3/AK4 notes, and one with its own delimiters and line breaks', async () => {
    const partner = await partnerWith({
      delimiters: { element: '|', segment: '~', component: '^', newline: true },
    });
    writeFileSync(
      join(partner.server.root, 'in', 'bad.edi'),
      order850('PO-1', 7, 1).replace('PO1*1*1*EA', 'PO1*1*x*EA'),
    );
    await until('the 997', () => partner.sent.length === 1);
    const [fa] = written(partner);
    expect(fa!.text).toContain('AK4|2|330|6|x~\n');
    expect(checkX12(fa!.text)).toEqual([]);
  });

  it('finds what is wrong: an element too long, a segment out of order, a wrong count, a bad date', () => {
    const good = [
      'ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*WAYBILL        *261201*1000*U*00401*000000003*0*P*>~',
      'GS*SH*ACMEEDI*WAYBILL*20261201*1000*3*X*004010~',
      'ST*856*0001~',
      'BSN*00*SH1*20261201*1000*0001~',
      'HL*1**S*1~',
      'TD5*B*2*UPSN*U*UPS Ground~',
      'HL*2*1*O*0~',
      'PRF*PO-1~',
      'CTT*2~',
      'SE*8*0001~',
      'GE*1*3~',
      'IEA*1*000000003~',
    ].join('');
    expect(checkX12(good)).toEqual([]);
    expect(checkX12(good.replace('BSN*00*SH1', `BSN*00*${'S'.repeat(31)}`))).toEqual([
      expect.stringContaining('BSN02'),
    ]);
    expect(
      checkX12(good.replace('HL*1**S*1~TD5', 'TD5').replace('PRF*PO-1~', 'PRF*PO-1~HL*1**S*1~')),
    ).not.toEqual([]);
    expect(checkX12(good.replace('SE*8', 'SE*9'))).toEqual([expect.stringContaining('SE01 9 is not 8')]);
    expect(checkX12(good.replace('*20261201*1000*0001', '*20261301*1000*0001'))).toEqual([
      expect.stringContaining('BSN03 "20261301" is not a date'),
    ]);
  });
});

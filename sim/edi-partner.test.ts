import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { trackingNumberProblem } from '../src/infra/tracking-number.ts';
import { openSftpFolder } from '../src/infra/sftp-folder.ts';
import { until } from '../test/support/until.ts';
import { startEdiPartner, type EdiPartner, type EdiPartnerOptions } from './edi-partner.ts';
import { readInterchange, writeInterchange, DEFAULT_DELIMITERS, type Segment } from './x12.ts';

const BUYER = { qualifier: 'ZZ', id: 'WAYBILL' };
const PARTNER = { qualifier: 'ZZ', id: 'ACMEEDI' };
/** Longer than element 324's 22 characters, as the buyer's guide warns: taken and echoed whole. */
const PO = 'PO-01JD3K8Z9Q-ACME-SUPPLY';

const open: EdiPartner[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

async function partner(extra: Partial<EdiPartnerOptions> = {}): Promise<EdiPartner> {
  const started = await startEdiPartner({
    name: 'acme',
    interchangeId: PARTNER.id,
    buyerId: BUYER.id,
    seed: 5,
    sftp: { implementation: 'in-process' },
    ...extra,
  });
  open.push(started);
  return started;
}

/** The buyer's 850 as docs/edi-x12.md shows it, written by hand (not by the partner's own writer). */
function purchaseOrder850(control: number, poNumber = PO, skus = ['S-MUG', 'S-CUP']): string {
  const isa13 = String(control).padStart(9, '0');
  const lines = skus.map((sku, i) => `PO1*${i + 1}*${i + 2}*EA*4.50**BP*SKU-${i + 1}*VP*${sku}~`);
  const set = [
    'ST*850*0001~',
    `BEG*00*SA*${poNumber}**20261201~`,
    'REF*CO*ord_01JD3K8Z9Q~',
    'N1*BY*Demo Retail~',
    'N1*ST*Ann Smith~',
    'N3*1 Main St~',
    'N4*Springfield*IL*62701*US~',
    ...lines,
    `CTT*${skus.length}~`,
  ];
  return [
    `ISA*00*          *00*          *ZZ*WAYBILL        *ZZ*ACMEEDI        *261201*1000*U*00401*${isa13}*0*P*>~`,
    `GS*PO*WAYBILL*ACMEEDI*20261201*1000*${control}*X*004010~`,
    ...set,
    `SE*${set.length + 1}*0001~`,
    `GE*1*${control}~`,
    `IEA*1*${isa13}~`,
  ].join('');
}

/** The buyer's 860 cancellation of a PO. */
function cancel860(control: number, poNumber = PO): string {
  return buyerInterchange(control, 'PC', '860', [
    ['BCH', '01', 'SA', poNumber, '', '', '20261206', '', '', '', '', '20261206'],
    ['N9', 'L1', 'CANCEL REASON'],
    ['MSG', 'not acknowledged within 2 days'],
  ]);
}

function buyerInterchange(control: number, functionalId: string, st01: string, body: Segment[]): string {
  return writeInterchange(
    {
      parties: {
        senderQualifier: BUYER.qualifier,
        senderId: BUYER.id,
        receiverQualifier: PARTNER.qualifier,
        receiverId: PARTNER.id,
      },
      controlNumber: control,
      at: new Date('2026-12-01T10:00:00Z'),
      usage: 'P',
      functionalId,
      sets: [{ id: st01, body }],
    },
    DEFAULT_DELIMITERS,
  );
}

/** The buyer's 997 of one of the partner's documents. */
function receipt997(control: number, groupControl: number, functionalId: string, accepted: boolean): string {
  return buyerInterchange(control, 'FA', '997', [
    ['AK1', functionalId, String(groupControl)],
    ['AK2', functionalId === 'PR' ? '855' : '856', '0001'],
    ...(accepted
      ? [['AK5', 'A']]
      : [
          ['AK3', 'ACK', '4', '', '8'],
          ['AK4', '1', '668', '7', 'ZQ'],
          ['AK5', 'R', '5'],
        ]),
    ['AK9', accepted ? 'A' : 'R', '1', '1', accepted ? '1' : '0'],
  ]);
}

function drop(p: EdiPartner, name: string, text: string): void {
  writeFileSync(join(p.server.root, 'in', name), text);
}

/** The segments of every set of the documents of `type` the partner wrote (parsed by its reader). */
function documents(p: EdiPartner, type: string): { file: string; text: string; segments: Segment[] }[] {
  return p.sent
    .filter((d) => d.type === type)
    .map((d) => {
      const text = readFileSync(join(p.server.root, 'out', d.file), 'latin1');
      const read = readInterchange(text)!;
      const segments = read.groups.flatMap((g) =>
        g.sets.flatMap((s) => [s.st, ...s.body, ...(s.se ? [s.se] : [])]),
      );
      return { file: d.file, text, segments };
    });
}

const ids = (segments: Segment[], id: string) => segments.filter((s) => s[0] === id);

describe('EDI partner: taking purchase orders', () => {
  it('answers an 850 sent over SFTP with a 997, then an 855 and an 856 in out/, written atomically', async () => {
    const p = await partner({ ackDelayMs: 10, shipDelayMs: 10 });
    const inbox = await openSftpFolder({
      ...p.server,
      folder: 'in',
      readyTimeoutMs: 5_000,
      operationTimeoutMs: 5_000,
    });
    await inbox.putAtomic(`${PO}.850.000000007.edi`, Buffer.from(purchaseOrder850(7)));
    await inbox.close();
    await until('the 856', () => p.shipped.has(PO));

    expect(p.received.get(PO)?.po.lines).toEqual([
      expect.objectContaining({
        id: '1',
        lineNumber: 1,
        supplierSku: 'S-MUG',
        quantity: 2,
        price: '4.50',
        buyerSku: 'SKU-1',
      }),
      expect.objectContaining({ id: '2', lineNumber: 2, supplierSku: 'S-CUP', quantity: 3 }),
    ]);
    const [fa] = documents(p, '997');
    expect(ids(fa!.segments, 'AK1')).toEqual([['AK1', 'PO', '7']]);
    expect(ids(fa!.segments, 'AK5')).toEqual([['AK5', 'A']]);
    expect(ids(fa!.segments, 'AK9')).toEqual([['AK9', 'A', '1', '1', '1']]);
    expect(
      fa!.text.startsWith('ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*WAYBILL        *'),
    ).toBe(true);

    const [ack] = documents(p, '855');
    expect(ids(ack!.segments, 'BAK')).toEqual([['BAK', '00', 'AD', PO, '20261201']]);
    expect(ids(ack!.segments, 'ACK')).toEqual([
      ['ACK', 'IA', '2', 'EA'],
      ['ACK', 'IA', '3', 'EA'],
    ]);
    expect(ids(ack!.segments, 'PO1')[0]).toEqual([
      'PO1',
      '1',
      '2',
      'EA',
      '4.50',
      '',
      'VP',
      'S-MUG',
      'BP',
      'SKU-1',
    ]);

    const [asn] = documents(p, '856');
    expect(ids(asn!.segments, 'HL')).toEqual([
      ['HL', '1', '', 'S', '1'],
      ['HL', '2', '1', 'O', '1'],
      ['HL', '3', '2', 'P', '1'],
      ['HL', '4', '3', 'I', '0'],
      ['HL', '5', '2', 'P', '1'],
      ['HL', '6', '5', 'I', '0'],
    ]);
    expect(ids(asn!.segments, 'TD5')).toEqual([['TD5', 'B', '2', 'UPSN', 'U', 'UPS Ground']]);
    expect(ids(asn!.segments, 'PRF')).toEqual([['PRF', PO]]);
    expect(ids(asn!.segments, 'LIN').map((s) => s[1])).toEqual(['1', '2']);
    expect(ids(asn!.segments, 'SN1')).toEqual([
      ['SN1', '', '2', 'EA'],
      ['SN1', '', '3', 'EA'],
    ]);
    const tracking = ids(asn!.segments, 'MAN').map((s) => s[2]!);
    expect(tracking).toHaveLength(2);
    expect(new Set(tracking).size).toBe(2);
    for (const number of tracking) expect(trackingNumberProblem('UPS', number)).toBeNull();
    // SE01 counts ST to SE; the last segment before GE is SE.
    const se = asn!.segments.at(-1)!;
    expect(Number(se[1])).toBe(asn!.segments.length);
    expect(readdirSync(join(p.server.root, 'out')).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(readdirSync(join(p.server.root, 'in'))).toEqual([]);
  });

  it('takes a resent interchange or PO number once: a 997 again, no second order', async () => {
    const p = await partner({ autoFulfil: false });
    drop(p, 'a.edi', purchaseOrder850(7));
    await until('the first 997', () => p.sent.length === 1);
    drop(p, 'a-again.edi', purchaseOrder850(7));
    await until('the same 997 again', () => p.duplicates === 1);
    expect(p.sent).toHaveLength(1); // the same file rewritten, not a new one
    expect(readFileSync(join(p.server.root, 'out', p.sent[0]!.file), 'latin1')).toContain('AK1*PO*7~');

    drop(p, 'b.edi', purchaseOrder850(8));
    await until('a 997 of the resend under a new control number', () => p.sent.length === 2);
    expect(p.duplicates).toBe(2);
    expect(p.received.get(PO)?.count).toBe(2);
    expect(p.received.size).toBe(1);
    expect(p.acknowledged.size).toBe(0);
  });

  it('rejects rejectSkus lines (IR) and backorders backorderSkus lines (IB with the date) in the 855', async () => {
    const p = await partner({ rejectSkus: ['S-CUP'], backorderSkus: ['S-LAMP'], shipDelayMs: 10 });
    drop(p, 'po.edi', purchaseOrder850(7, PO, ['S-MUG', 'S-CUP', 'S-LAMP']));
    await until('the 856', () => p.shipped.has(PO));
    const [ack] = documents(p, '855');
    expect(ids(ack!.segments, 'BAK')[0]![2]).toBe('AC');
    const acks = ids(ack!.segments, 'ACK');
    expect(acks.map((s) => s[1])).toEqual(['IA', 'IR', 'IB']);
    expect(acks[2]!.slice(4)).toEqual(['068', expect.stringMatching(/^\d{8}$/)]);
    const [asn] = documents(p, '856');
    expect(ids(asn!.segments, 'LIN').map((s) => s[1])).toEqual(['1', '3']);
  });

  it('rejects a PO whose every line it rejects with BAK02 RD and ships nothing', async () => {
    const p = await partner({ rejectSkus: ['S-MUG'] });
    drop(p, 'po.edi', purchaseOrder850(7, PO, ['S-MUG']));
    await until('the 855', () => p.acknowledged.has(PO));
    await p.idle();
    expect(ids(documents(p, '855')[0]!.segments, 'BAK')[0]![2]).toBe('RD');
    expect(p.shipped.size).toBe(0);
  });

  it('honours an 860 cancel (a 997 for it, no 856), and one that comes before its PO', async () => {
    const p = await partner({ ackDelayMs: 0, shipDelayMs: 60_000 });
    drop(p, 'po.edi', purchaseOrder850(7));
    await until('the 855', () => p.acknowledged.has(PO));
    drop(p, 'cancel.edi', cancel860(8));
    await until('the cancel', () => p.cancelled.has(PO));
    expect(ids(documents(p, '997')[1]!.segments, 'AK1')).toEqual([['AK1', 'PC', '8']]);

    drop(p, 'cancel-2.edi', cancel860(9, 'PO-2'));
    drop(p, 'po-2.edi', purchaseOrder850(10, 'PO-2'));
    await until('PO-2 taken', () => p.received.has('PO-2'));
    await p.close();
    open.splice(0);
    expect([...p.cancelled]).toEqual([PO, 'PO-2']);
    expect(p.shipped.size).toBe(0);
    expect(p.acknowledged.has('PO-2')).toBe(false);
  });

  it('sends an 810 after the 856 when asked, totalled in hundredths', async () => {
    const p = await partner({ invoices: true });
    drop(p, 'po.edi', purchaseOrder850(7));
    await until('the 810', () => p.invoiced.has(PO));
    const [bill] = documents(p, '810');
    expect(ids(bill!.segments, 'BIG')[0]).toEqual([
      'BIG',
      expect.stringMatching(/^\d{8}$/),
      expect.stringMatching(/^INV[0-9A-F]{12}$/),
      '20261201',
      PO,
    ]);
    expect(ids(bill!.segments, 'IT1').map((s) => s.slice(1, 5))).toEqual([
      ['1', '2', 'EA', '4.50'],
      ['2', '3', 'EA', '4.50'],
    ]);
    expect(ids(bill!.segments, 'TDS')).toEqual([['TDS', '2250']]);
  });

  it('writes REF*CN tracking numbers, and its own delimiters, when told', async () => {
    const p = await partner({
      trackingIn: 'REF',
      delimiters: { element: '|', segment: '\n', component: '^' },
    });
    drop(p, 'po.edi', purchaseOrder850(7, PO, ['S-MUG']));
    await until('the 856', () => p.shipped.has(PO));
    const [asn] = documents(p, '856');
    expect(asn!.text).toContain(`\nREF|CN|1Z`);
    expect(asn!.text[3]).toBe('|');
    expect(ids(asn!.segments, 'HL').map((s) => s[3])).toEqual(['S', 'O', 'P', 'I']);
  });
});

describe('EDI partner: the 997s', () => {
  it('refuses a broken 850 with a negative 997 and takes nothing of it', async () => {
    const p = await partner();
    drop(
      p,
      'bad-se.edi',
      purchaseOrder850(7).replace(/SE\*(\d+)\*0001/, (_, n: string) => `SE*${Number(n) + 1}*0001`),
    );
    drop(p, 'bad-ge.edi', purchaseOrder850(8, 'PO-2').replace('GE*1*8~', 'GE*1*9~'));
    await until('two 997s', () => p.sent.length === 2);
    const answering = (group: string) =>
      documents(p, '997').find((d) => ids(d.segments, 'AK1')[0]?.[2] === group)!;
    const [first, second] = [answering('7'), answering('8')];
    expect(ids(first!.segments, 'AK5')).toEqual([['AK5', 'R', '4']]);
    expect(ids(first!.segments, 'AK9')).toEqual([['AK9', 'R', '1', '1', '0']]);
    expect(ids(second!.segments, 'AK5')).toEqual([['AK5', 'R']]);
    expect(ids(second!.segments, 'AK9')).toEqual([['AK9', 'R', '1', '1', '0', '4']]);
    expect(p.received.size).toBe(0);
  });

  it("records the buyer's 997 of each of its documents, and never answers a 997", async () => {
    const p = await partner({ autoFulfil: false });
    drop(p, 'po.edi', purchaseOrder850(7));
    await until('the PO', () => p.received.has(PO));
    p.acknowledge(PO);
    await until('the 855', () => p.acknowledged.has(PO));
    const ack = p.sent.find((d) => d.type === '855')!;
    drop(p, '997.000000008.edi', receipt997(8, ack.controlNumber, 'PR', true));
    await until('the receipt', () => p.receiptOf('855', PO) !== undefined);
    expect(p.receiptOf('855', PO)).toMatchObject({
      accepted: true,
      functionalId: 'PR',
      sets: [{ st01: '855', ak501: 'A' }],
    });
    await p.idle();
    expect(p.sent.map((d) => d.type)).toEqual(['997', '855']);
  });

  it('produces broken documents on request: SE01 off, GE02 not GS06, an unknown ACK01', async () => {
    const p = await partner({ autoFulfil: false });
    p.breakNext('855', 'se01');
    p.breakNext('855', 'ge02');
    p.breakNext('855', 'ack01');
    drop(p, 'po.edi', purchaseOrder850(7));
    await until('the PO', () => p.received.has(PO));
    for (let i = 0; i < 4; i++) {
      p.acknowledge(PO);
      await p.idle();
    }
    const [se01, ge02, ack01, good] = documents(p, '855').map((d) => readInterchange(d.text)!);
    const set = (read: typeof se01) => read!.groups[0]!.sets[0]!;
    expect(Number(set(se01).se![1])).toBe(set(se01).body.length + 3);
    expect(ge02!.groups[0]!.ge![2]).not.toBe(ge02!.groups[0]!.gs[6]);
    expect(
      set(ack01)
        .body.filter((s) => s[0] === 'ACK')
        .map((s) => s[1]),
    ).toEqual(['ZQ', 'IA']);
    expect(Number(set(good).se![1])).toBe(set(good).body.length + 2);
    expect(good!.groups[0]!.ge![2]).toBe(good!.groups[0]!.gs[6]);
    expect(p.sent.filter((d) => d.type === '855').map((d) => d.faults)).toEqual([['se01'], ['ge02'], [], []]);
  });

  it('takes nothing addressed to someone else, and no 997 for it', async () => {
    const p = await partner();
    drop(p, 'other.edi', purchaseOrder850(7).replace('*ZZ*ACMEEDI        *', '*ZZ*OTHERCO        *'));
    drop(p, 'junk.txt', 'hello');
    await until('both refused', () => p.refused.length === 2);
    expect([...p.refused].sort()).toEqual([
      expect.stringContaining('not X12'),
      expect.stringContaining('addressed to ZZ/OTHERCO'),
    ]);
    expect(p.sent).toEqual([]);
  });
});

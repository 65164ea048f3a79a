import { afterAll, beforeAll, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';

/** A 1×1 PNG: the retailer's logo. */
const LOGO =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** The text of every page of a PDF, as a reader (or a printer) sees it. */
async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocument({ data: bytes, useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await pdf.destroy();
  return pages.join('\n');
}

describeEachDatabase('the blind packing slip', (dialect) => {
  let t: TestHub;
  let poNumber: string;

  beforeAll(async () => {
    t = await startTestHub(dialect);
    const setup = testSetup({ prompt: 'http://127.0.0.1:9/po', flaky: 'http://127.0.0.1:9/po' });
    await t.apply({
      ...setup,
      retailer: {
        name: 'Oakridge Home',
        returnAddress: {
          line1: '12 Return Lane',
          city: 'Portland',
          region: 'OR',
          postalCode: '97201',
          country: 'US',
        },
        logo: LOGO,
      },
    });
    const order = await t.api('/api/v1/channels/storefront/orders', {
      body: orderBody('SLIP-1001', [{ sku: 'MUG-BLUE', quantity: 3, unitPrice: 1299 }]),
    });
    expect(order.status).toBe(201);
    poNumber = order.body.purchaseOrders[0].poNumber;
  });
  afterAll(() => t?.close());

  const slip = (po: string, token: string) =>
    fetch(`${t.url}/supplier-api/v1/purchase-orders/${po}/packing-slip`, {
      headers: { authorization: `Bearer ${token}` },
    });

  it("is a PDF in the retailer's name, to the customer, with the lines and quantities and no price or supplier", async () => {
    const answer = await slip(poNumber, SUPPLIER_TOKENS.prompt);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await answer.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const text = await pdfText(bytes);
    for (const expected of [
      'Oakridge Home',
      '12 Return Lane',
      'Portland',
      'Packing slip',
      'SLIP-1001',
      'Ann Smith',
      '1 Main St',
      'Springfield',
      'MUG-BLUE',
      'Blue mug',
    ])
      expect(text).toContain(expected);
    expect(text).toMatch(/MUG-BLUE.*Blue mug.*\b3\b/s);
    // No money in any form: the line's price (12.99), its cost to the retailer (4.50), a currency.
    expect(text).not.toMatch(/12[.,]99|1299|4[.,]50|\b450\b|\$|USD|€/);
    // Nothing of the supplier's: its name, its SKU, its PO number.
    expect(text).not.toMatch(/Prompt|P-MUG-1/);
    expect(text).not.toContain(poNumber);
  });

  it("is another supplier's purchase order: not found", async () => {
    const answer = await slip(poNumber, SUPPLIER_TOKENS.flaky);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await slip(poNumber, 'not-a-token-0123456789abcdef')).status).toBe(401);
  });

  it('refuses a logo that is not an image, naming the field', async () => {
    const refused = await t.api('/api/v1/setup', {
      method: 'POST',
      body: { apiVersion: 'waybill/v1', retailer: { name: 'X', logo: 'data:text/html;base64,PGgxPg==' } },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toMatch(/^retailer\.logo:/);
  });
});

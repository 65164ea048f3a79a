import { describe, expect, it } from 'vitest';
import { verifySignature } from '../../../../sim/shared.ts';
import { closedAfterEach, only, startReceiver } from '../../../../sim/testing.ts';
import { PermanentError } from '../../../domain/permanent-error.ts';
import { postCancel, postPurchaseOrder } from './transport.ts';

/** The cancel's wire format (docs/wire-formats.md, "Cancel"), checked on the bytes a supplier receives. */
const SECRET = 'rest-json-signing-secret-0001';
const NOW = new Date('2026-12-06T10:00:05Z');
const options = () => ({ signal: AbortSignal.timeout(5_000), now: NOW });
const secrets = { signingSecret: SECRET };

const CANCEL = {
  poNumber: 'PO-01JD3K8Z9Q-ACME',
  orderId: 'ord_01JD3K8Z9Q',
  reason: 'not acknowledged within 2 days',
  cancelledAt: new Date('2026-12-06T10:00:00Z'),
};

const PO = {
  poNumber: CANCEL.poNumber,
  orderId: CANCEL.orderId,
  currency: 'USD',
  createdAt: new Date('2026-12-04T10:00:00Z'),
  shipTo: { name: 'Ann Smith', line1: '1 Main St', city: 'Springfield', postalCode: '62701', country: 'US' },
  brand: 'Demo Retailer',
  lines: [{ lineNumber: 1, supplierSku: 'P-MUG-1', sku: 'MUG-BLUE', quantity: 2, unitCost: 450 }],
};

const open = closedAfterEach();

/** A supplier endpoint answering the given statuses in turn. */
async function supplier(...statuses: number[]) {
  const receiver = await startReceiver('/purchase-orders', (call) => ({ status: statuses[call] ?? 500 }));
  open.push(receiver);
  return { receiver, config: { url: receiver.url, timeoutMs: 5_000 } };
}

describe('postCancel', () => {
  it('posts the documented body to the PO address, signed over its bytes, keyed cancel:{poNumber}', async () => {
    const { receiver, config } = await supplier(200);
    expect(await postCancel(config, secrets, CANCEL, options())).toBe('cancelled');
    const { method, path, headers, raw } = only(receiver.received);
    expect({ method, path }).toEqual({ method: 'POST', path: '/purchase-orders' });
    expect(headers['idempotency-key']).toBe('cancel:PO-01JD3K8Z9Q-ACME');
    expect(headers['content-type']).toBe('application/json');
    const signature = headers['x-waybill-signature'] as string;
    expect(verifySignature(signature, raw, SECRET, Math.floor(NOW.getTime() / 1000))).toBe(true);
    expect(JSON.parse(raw.toString('utf8'))).toEqual({
      type: 'purchase_order.cancel',
      poNumber: 'PO-01JD3K8Z9Q-ACME',
      orderRef: 'ord_01JD3K8Z9Q',
      reason: 'not acknowledged within 2 days',
      cancelledAt: '2026-12-06T10:00:00.000Z',
    });
  });

  it('reads any 2xx as cancelled and 409 as too late, where a PO send still takes 409 as delivered', async () => {
    const { config } = await supplier(202, 409, 409);
    expect(await postCancel(config, secrets, CANCEL, options())).toBe('cancelled');
    expect(await postCancel(config, secrets, CANCEL, options())).toBe('too_late');
    await expect(postPurchaseOrder(config, secrets, PO, options())).resolves.toBeUndefined();
  });

  it('fails as a PO send does: 5xx, 408 and 429 to be retried, any other 4xx for good', async () => {
    const { config } = await supplier(503, 408, 429, 422, 404);
    for (let i = 0; i < 3; i++) {
      const error = await postCancel(config, secrets, CANCEL, options()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(PermanentError);
    }
    for (let i = 0; i < 2; i++)
      await expect(postCancel(config, secrets, CANCEL, options())).rejects.toBeInstanceOf(PermanentError);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { startSupplierSim, type SupplierSim } from '../sim/supplier.ts';
import type { SupplierId } from '../src/domain/ids.ts';
import { poNumberFor } from '../src/domain/purchase-order.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, SECRETS, startTestHub, SUPPLIER_TOKENS, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

describeEachDatabase(
  'Short of stock: backorders filled when stock comes back, or cancelled and refunded',
  (dialect) => {
    let t: TestHub;
    let suppliers: SupplierSim[];
    let doc: any;

    beforeEach(async () => {
      t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
      const start = (name: 'prompt' | 'flaky', seed: number) =>
        startSupplierSim({
          name,
          signingSecret: SECRETS[name],
          hubUrl: t.url,
          apiToken: SUPPLIER_TOKENS[name],
          seed,
          ackDelayMs: 5,
          shipDelayMs: 60_000,
        });
      suppliers = await Promise.all([start('prompt', 1), start('flaky', 2)]);
      doc = testSetup({ prompt: suppliers[0]!.url, flaky: suppliers[1]!.url });
      const stock: Record<string, number> = { 'MUG-BLUE': 10, 'TEE-RED-M': 5, 'LAMP-OAK': 2 };
      for (const product of doc.products)
        for (const offer of product.offers)
          offer.stock = offer.supplier === 'flaky' || product.sku === 'MUG-BLUE' ? stock[product.sku] : 0;
      doc.channels.push({
        id: 'outlet',
        kind: 'storefront',
        name: 'Outlet',
        currency: 'USD',
        backorderPolicy: 'cancel',
      });
      await t.apply(doc);
    });
    afterEach(async () => {
      await Promise.all(suppliers.map((s) => s.close()));
      await t?.close();
    });

    const post = async (channel: string, externalId: string, lines: { sku: string; quantity: number }[]) => {
      const answer = await t.api(`/api/v1/channels/${channel}/orders`, {
        body: orderBody(externalId, lines),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return (await t.api(`/api/v1/orders/${answer.body.id}`)).body;
    };
    const view = async (id: string) => (await t.api(`/api/v1/orders/${id}`)).body;
    const setLampStock = async (units: number) => {
      doc.products.find((p: any) => p.sku === 'LAMP-OAK').offers[0].stock = units;
      await t.apply(doc);
    };

    it('a backordered line waits on hold, then is routed first come first served when stock comes back, in a second PO to the same supplier', async () => {
      const first = await post('storefront', 'A-1', [{ sku: 'LAMP-OAK', quantity: 2 }]);
      expect(first.state).toBe('routed');
      // Two lines for flaky: the tee is in stock, the lamps are not.
      const second = await post('storefront', 'A-2', [
        { sku: 'TEE-RED-M', quantity: 1 },
        { sku: 'LAMP-OAK', quantity: 3 },
      ]);
      const third = await post('storefront', 'A-3', [{ sku: 'LAMP-OAK', quantity: 1 }]);
      expect(second.state).toBe('on_hold');
      expect(second.lines.map((l: any) => l.state)).toEqual(['routed', 'backordered']);
      expect(second.holdReason).toBe('line 2: awaiting stock of LAMP-OAK');
      expect(third.state).toBe('on_hold');
      const waiting = async () =>
        (await t.api('/api/v1/review?reason=stock.backordered')).body.orders.map((o: any) => o.orderId);
      expect(await waiting()).toEqual([second.id, third.id]);

      // Three more lamps: enough for the older order (3), not also for the newer one (1).
      await setLampStock(5);
      await until('the older backorder filled', async () => (await view(second.id)).state === 'routed');
      const filled = await view(second.id);
      expect(filled.holdReason).toBeNull();
      expect(await waiting()).toEqual([third.id]);
      expect(filled.purchaseOrders.map((po: any) => po.poNumber)).toEqual([
        poNumberFor(second.id, 'flaky' as SupplierId),
        `${poNumberFor(second.id, 'flaky' as SupplierId)}-2`,
      ]);
      expect(filled.events.map((e: any) => e.type)).toContain('order.backorder_filled');
      await until('the second PO at the supplier', async () =>
        suppliers[1]!.received.has(filled.purchaseOrders[1].poNumber),
      );
      expect((await view(third.id)).state).toBe('on_hold');
      const lamp = (await t.api('/api/v1/stock')).body.levels.find((l: any) => l.sku === 'LAMP-OAK');
      expect(lamp).toMatchObject({ onHand: 5, reserved: 5, available: 0 });

      await setLampStock(6);
      await until('the newer backorder filled', async () => (await view(third.id)).state === 'routed');
    });

    it('on a channel that cancels short lines, the line is cancelled and a refund is owed (the storefront cannot refund)', async () => {
      const order = await post('outlet', 'B-1', [
        { sku: 'MUG-BLUE', quantity: 1 },
        { sku: 'LAMP-OAK', quantity: 9 },
      ]);
      expect(order.lines.map((l: any) => l.state)).toEqual(['routed', 'cancelled']);
      await until('the refund recorded as owed', async () =>
        (await view(order.id)).events.some((e: any) => e.type === 'channel.refund_owed'),
      );
      const owed = (await view(order.id)).events.find((e: any) => e.type === 'channel.refund_owed');
      expect(owed.data).toMatchObject({
        channelId: 'outlet',
        amount: { amount: 9 * 1299, currency: 'USD' },
        lines: [{ sku: 'LAMP-OAK', quantity: 9 }],
      });
      expect(owed.data.reason).toContain('Out of stock: LAMP-OAK');
      // Stock coming back does not revive a cancelled line.
      await setLampStock(50);
      await new Promise((r) => setTimeout(r, 300));
      expect((await view(order.id)).lines[1].state).toBe('cancelled');
    });
  },
);

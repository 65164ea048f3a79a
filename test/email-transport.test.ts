import { afterEach, beforeEach, expect, it } from 'vitest';
import { followPortalLink, portalLinkIn, readMail, waybillHeader } from '../sim/mailbox.ts';
import { issuePortalLink, PORTAL_LINK_MS } from '../src/app/portal-link.ts';
import { email } from '../src/connectors/suppliers/email/index.ts';
import { supplierTransports } from '../src/connectors/suppliers/registry.ts';
import { describeEachDatabase } from './support/databases.ts';
import { orderBody, startTestHub, type TestHub } from './support/hub.ts';
import { startSmtpServer, type TestSmtpServer } from './support/smtp-server.ts';
import { until } from './support/until.ts';

/**
 * A supplier who only reads email: the PO arrives by mail with a link; the link signs the reader in to the portal as
 * that supplier, on that PO; the acknowledgement and the shipment go through the supplier API with that session.
 */
describeEachDatabase('a supplier on the email transport', (dialect) => {
  let t: TestHub;
  let smtp: TestSmtpServer;
  // The hub's clock, moved forward by a test to see a link expire.
  let skewMs = 0;

  beforeEach(async () => {
    skewMs = 0;
    smtp = await startSmtpServer();
    t = await startTestHub(dialect, {
      worker: true,
      workerOptions: { pollMs: 20 },
      clock: { now: () => new Date(Date.now() + skewMs) },
      transports: supplierTransports.with(email),
    });
    await t.apply({
      apiVersion: 'waybill/v1',
      retailer: { name: 'Test Retailer' },
      channels: [{ id: 'storefront', kind: 'storefront', name: 'Shop', currency: 'USD' }],
      suppliers: [
        {
          id: 'mailer',
          name: 'Mail Order Supply',
          currency: 'USD',
          transport: { kind: 'email', ...smtp.config(['orders@mailer.example']) },
        },
        {
          id: 'other',
          name: 'Other Supply',
          currency: 'USD',
          transport: { kind: 'email', ...smtp.config(['orders@other.example']) },
        },
      ],
      products: [
        {
          sku: 'MUG-BLUE',
          name: 'Blue mug',
          offers: [
            { supplier: 'mailer', supplierSku: 'M-MUG', cost: { amount: 450, currency: 'USD' }, stock: 10 },
          ],
        },
        {
          sku: 'LAMP-OAK',
          name: 'Oak lamp',
          offers: [
            { supplier: 'other', supplierSku: 'O-LAMP', cost: { amount: 2500, currency: 'USD' }, stock: 10 },
          ],
        },
      ],
    });
  });

  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  /** Places an order and waits for the emails it causes; the PO emails, parsed, by recipient. */
  async function order(externalId: string, lines: { sku: string; quantity: number }[]) {
    const before = smtp.messages.length;
    const created = await t.api('/api/v1/channels/storefront/orders', { body: orderBody(externalId, lines) });
    expect(created.status).toBe(201);
    await until('the PO emails', () => smtp.messages.length === before + lines.length);
    const mails = await Promise.all(smtp.messages.slice(before).map((m) => readMail(m.raw)));
    return { orderId: created.body.id as string, mails };
  }

  it('mails the PO with a link; the link signs in as the supplier, who acknowledges and ships: fulfilled', async () => {
    const { orderId, mails } = await order('mail-1', [{ sku: 'MUG-BLUE', quantity: 2 }]);
    const [mail] = mails;
    const poNumber = waybillHeader(mail!, 'x-waybill-po')!;
    expect(smtp.messages[0]!.to).toEqual(['orders@mailer.example']);
    expect(mail!.from).toMatchObject({ name: 'Test Retailer' });
    expect(mail!.subject).toBe(`Purchase order ${poNumber} from Test Retailer`);
    const link = portalLinkIn(mail!);
    expect(link).toMatch(new RegExp(`^${t.url}/portal/link#token=wbp_`));

    const portal = await followPortalLink(link);
    expect(portal).toMatchObject({ poNumber, location: `/portal/purchase-orders/${poNumber}` });
    expect(portal.cookie).toMatch(/^waybill_session=/);
    const po = await portal.call('GET', `/supplier-api/v1/purchase-orders/${poNumber}`);
    expect(po.status).toBe(200);

    // The same session without its CSRF token changes nothing, as for a password's session.
    const noCsrf = await fetch(`${t.url}/supplier-api/v1/purchase-orders/${poNumber}/acknowledgement`, {
      method: 'POST',
      headers: { cookie: portal.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: [{ lineNumber: 1, status: 'accepted' }] }),
    });
    expect(noCsrf.status).toBe(403);

    const ack = await portal.call('POST', `/supplier-api/v1/purchase-orders/${poNumber}/acknowledgement`, {
      lines: [{ lineNumber: 1, status: 'accepted' }],
    });
    expect(ack.status).toBe(200);
    const shipped = await portal.call('POST', `/supplier-api/v1/purchase-orders/${poNumber}/shipments`, {
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      lines: [{ lineNumber: 1, quantity: 2 }],
    });
    expect(shipped.status).toBe(201);
    await until(
      'the order fulfilled',
      async () => (await t.api(`/api/v1/orders/${orderId}`)).body.state === 'fulfilled',
    );

    // The link works again (a supplier opens the same email twice), and a second session comes of it.
    const again = await followPortalLink(link);
    expect(again.cookie).not.toBe(portal.cookie);

    // The link user is shared by every link of the supplier: it never gets a password.
    const password = await again.call('PUT', '/api/v1/session/password', {
      password: 'a-long-password-for-all',
    });
    expect(password.status).toBe(422);
    expect(JSON.stringify(password.body)).toMatch(/password/);
  });

  it("a link for one supplier never shows another supplier's purchase orders", async () => {
    const { mails } = await order('mail-2', [
      { sku: 'MUG-BLUE', quantity: 1 },
      { sku: 'LAMP-OAK', quantity: 1 },
    ]);
    const mine = mails.find((m) =>
      m.to?.some((a) => 'address' in a && a.address === 'orders@mailer.example'),
    )!;
    const theirs = mails.find((m) => m !== mine)!;
    const portal = await followPortalLink(portalLinkIn(mine));
    const list = await portal.call('GET', '/supplier-api/v1/purchase-orders');
    expect((list.body as any).purchaseOrders.map((p: any) => p.poNumber)).toEqual([
      waybillHeader(mine, 'x-waybill-po'),
    ]);
    const other = await portal.call(
      'GET',
      `/supplier-api/v1/purchase-orders/${waybillHeader(theirs, 'x-waybill-po')}`,
    );
    expect(other.status).toBe(404);
  });

  it('withdraws a PO by email, and the portal refuses answers on it', async () => {
    const { orderId, mails } = await order('mail-3', [{ sku: 'MUG-BLUE', quantity: 1 }]);
    const poNumber = waybillHeader(mails[0]!, 'x-waybill-po')!;
    await until('the PO recorded as sent', async () =>
      (await t.api(`/api/v1/orders/${orderId}`)).body.purchaseOrders?.some((p: any) => p.state === 'sent'),
    );
    const cancelled = await t.api(`/api/v1/orders/${orderId}/cancel`, {
      body: { reason: 'customer changed mind' },
    });
    expect(cancelled.status).toBe(200);
    await until('the withdrawal email', () => smtp.messages.length === 2);
    const withdrawal = await readMail(smtp.messages[1]!.raw);
    expect(waybillHeader(withdrawal, 'x-waybill-type')).toBe('purchase-order-cancel');
    expect(withdrawal.subject).toBe(`Cancelled: purchase order ${poNumber}`);

    const portal = await followPortalLink(portalLinkIn(mails[0]!));
    const ack = await portal.call('POST', `/supplier-api/v1/purchase-orders/${poNumber}/acknowledgement`, {
      lines: [{ lineNumber: 1, status: 'accepted' }],
    });
    expect(ack.status).toBe(409);
    const ship = await portal.call('POST', `/supplier-api/v1/purchase-orders/${poNumber}/shipments`, {
      carrier: 'UPS',
      trackingNumber: '1Z999AA10123456784',
      lines: [{ lineNumber: 1, quantity: 1 }],
    });
    // Refused as a shipment of lines not accepted: the PO's lines are cancelled.
    expect(ship.status).toBe(422);
    expect((ship.body as { detail: string }).detail).toMatch(/line 1 is cancelled/);
  });

  it('refuses an unknown or expired link with 401 problem+json', async () => {
    const link = await issuePortalLink(t.hub.ctx, 'mailer', 'PO-ANY');
    const post = (token: string) =>
      fetch(`${t.url}/api/v1/session/portal-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    const unknown = await post('wbp_not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/^token: /);

    skewMs = PORTAL_LINK_MS + 1_000;
    const token = new URL(link).hash.slice('#token='.length);
    const expired = await post(token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('set-cookie')).toBeNull();
  });

  it('revokes every link of a supplier when its link user is disabled; the next link works', async () => {
    const first = await issuePortalLink(t.hub.ctx, 'mailer', 'PO-ANY');
    const users = (await t.api('/api/v1/users')).body.users as { id: string; email: string }[];
    const linkUser = users.find((u) => u.email === 'portal-link+mailer@waybill.invalid')!;
    expect(linkUser).toMatchObject({ supplierId: 'mailer', role: 'supplier', hasPassword: false });
    expect((await t.api(`/api/v1/users/${linkUser.id}`, { method: 'DELETE' })).status).toBe(204);
    await expect(followPortalLink(first)).rejects.toThrow(/401/);
    const next = await followPortalLink(await issuePortalLink(t.hub.ctx, 'mailer', 'PO-ANY'));
    expect(next.poNumber).toBe('PO-ANY');
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { createShopifySim, type ShopifyOrder, type ShopifySim } from '../sim/shopify.ts';
import { createWooCommerceSim, type WooCommerceSim, type WooOrder } from '../sim/woocommerce.ts';
import { describeEachDatabase } from './support/databases.ts';
import { startTestHub, startTestSuppliers, testSetup, type TestHub } from './support/hub.ts';
import { until } from './support/until.ts';

const SHOPIFY_SECRET = 'shpss_current_client_secret_01';
const WOO_SECRET = 'woo-webhook-secret-0123456789';

/** A Shopify money field: the decimal string and its set, in one currency (EUR here). */
const eur = (text: string) => ({ amount: text, currency_code: 'EUR' });
const set = (text: string) => ({ shop_money: eur(text), presentment_money: eur(text) });
const vat = (price: string) => ({ price, price_set: set(price), rate: 0.19, title: 'VAT' });
const off = (amount: string) => ({ amount, amount_set: set(amount), discount_application_index: 0 });

/**
 * The order the issue names: the customer paid 99.96 EUR. Lines 104.97 (2 × 29.99 mugs, a 40.00 lamp, a 4.99 gift wrap
 * without a SKU that needs no shipping), 10.00 off spread over the lines, 4.99 shipping, 19 % VAT included in every price.
 */
function discountedTaxIncludedOrder(shop: ShopifySim): ShopifyOrder {
  const base = shop.makeOrder(1, [
    { sku: 'MUG-BLUE', variantId: 4101, price: '29.99', title: 'Blue mug' },
    { sku: 'LAMP-OAK', variantId: 4102, price: '40.00', title: 'Oak lamp' },
  ]);
  const [mug, lamp] = base.line_items;
  const line = (from: typeof mug, quantity: number, price: string, discount: string, tax: string) => ({
    ...from!,
    quantity,
    current_quantity: quantity,
    fulfillable_quantity: quantity,
    price,
    price_set: set(price),
    total_discount: discount,
    total_discount_set: set(discount),
    discount_allocations: [off(discount)],
    tax_lines: [vat(tax)],
  });
  const wrap = {
    ...line(lamp, 1, '4.99', '0.48', '0.72'),
    id: lamp!.id + 7,
    admin_graphql_api_id: `gid://shopify/LineItem/${lamp!.id + 7}`,
    sku: null,
    title: 'Gift wrap',
    name: 'Gift wrap',
    requires_shipping: false,
  };
  return {
    ...base,
    currency: 'EUR',
    presentment_currency: 'EUR',
    taxes_included: true,
    line_items: [line(mug, 2, '29.99', '5.71', '8.66'), line(lamp, 1, '40.00', '3.81', '5.78'), wrap],
    shipping_lines: [
      {
        ...base.shipping_lines[0]!,
        title: 'Standard',
        price: '4.99',
        price_set: set('4.99'),
        discounted_price: '4.99',
        discounted_price_set: set('4.99'),
        discount_allocations: [],
        tax_lines: [vat('0.80')],
      },
    ],
    total_line_items_price: '104.97',
    total_line_items_price_set: set('104.97'),
    subtotal_price: '94.97',
    subtotal_price_set: set('94.97'),
    total_discounts: '10.00',
    total_discounts_set: set('10.00'),
    total_tax: '15.96',
    total_tax_set: set('15.96'),
    total_shipping_price_set: set('4.99'),
    total_price: '99.96',
    total_price_set: set('99.96'),
  };
}

const money = (amount: number, currency = 'EUR') => ({ amount, currency });

describeEachDatabase('the order money as the channel charged it', (dialect) => {
  let t: TestHub;
  let shop: ShopifySim;
  let woo: WooCommerceSim;
  let suppliers: Awaited<ReturnType<typeof startTestSuppliers>>;

  beforeEach(async () => {
    t = await startTestHub(dialect, { worker: true, workerOptions: { pollMs: 20 } });
    suppliers = await startTestSuppliers(t.url);
    const doc: any = testSetup({ prompt: suppliers.prompt.url, flaky: suppliers.flaky.url });
    doc.channels.push(
      {
        id: 'shop',
        kind: 'shopify',
        name: 'Shop',
        currency: 'EUR',
        shopDomain: 'money-shop.myshopify.com',
        webhookSecret: SHOPIFY_SECRET,
      },
      {
        id: 'woo',
        kind: 'woocommerce',
        name: 'Woo',
        currency: 'USD',
        storeUrl: 'https://woo.example',
        webhookSecret: WOO_SECRET,
        consumerKey: 'ck_0123456789abcdef0123456789abcdef01234567',
        consumerSecret: 'cs_0123456789abcdef0123456789abcdef01234567',
      },
    );
    await t.apply(doc);
    shop = createShopifySim({
      shopDomain: 'money-shop.myshopify.com',
      webhookUrl: `${t.url}/webhooks/shopify/shop`,
      secret: SHOPIFY_SECRET,
      seed: 11,
    });
    woo = createWooCommerceSim({
      storeUrl: 'https://woo.example',
      webhookUrl: `${t.url}/webhooks/woocommerce/woo`,
      secret: WOO_SECRET,
      seed: 12,
    });
  });
  afterEach(async () => {
    await t?.close();
    await Promise.all([suppliers?.prompt.close(), suppliers?.flaky.close()]);
  });

  async function takenIn(channelId: string, externalId: string): Promise<any> {
    const find = () =>
      t.hub.store.db
        .selectFrom('orders')
        .select('id')
        .where('channel_id', '=', channelId)
        .where('external_id', '=', externalId)
        .executeTakeFirst();
    await until(`order ${externalId} taken in`, async () => Boolean(await find()));
    const { status, body } = await t.api(`/api/v1/orders/${(await find())!.id}`);
    expect(status).toBe(200);
    return body;
  }
  const delivered = () =>
    [...suppliers.prompt.received.values(), ...suppliers.flaky.received.values()].map(
      (r) => r.body as { lines: { sku: string }[] },
    );

  it('Shopify: a discount spread over the lines, tax included, a shipping line and a gift wrap without SKU: every figure exact, the wrap kept and not shipped', async () => {
    const order = discountedTaxIncludedOrder(shop);
    expect((await shop.deliver('orders/create', order)).status).toBe(200);
    const view = await takenIn('shop', String(order.id));

    expect(view.total).toEqual(money(9996));
    expect(view.money).toMatchObject({
      taxesIncluded: true,
      subtotal: money(10497),
      discounts: money(1000),
      shipping: money(499),
      fees: money(0),
      tax: money(1596),
      total: money(9996),
      presentment: null,
      mismatches: [],
    });
    expect(view.money.shippingLines).toEqual([
      {
        title: 'Standard',
        price: money(499),
        discount: money(0),
        taxes: [{ title: 'VAT', rate: '0.19', amount: money(80) }],
      },
    ]);
    expect(
      view.lines.map((l: any) => [
        l.sku,
        l.title,
        l.quantity,
        l.requiresShipping,
        l.money.subtotal.amount,
        l.money.discount.amount,
        l.money.taxes[0].amount.amount,
        l.money.total.amount,
      ]),
    ).toEqual([
      ['MUG-BLUE', 'Blue mug', 2, true, 5998, 571, 866, 5427],
      ['LAMP-OAK', 'Oak lamp', 1, true, 4000, 381, 578, 3619],
      ['', 'Gift wrap', 1, false, 499, 48, 72, 451],
    ]);
    expect(view.lines.map((l: any) => l.channelLineId)).toEqual(order.line_items.map((l) => String(l.id)));

    // The wrap is neither held nor sent: the order is routed, its two purchase orders carry the two shipped lines only.
    expect(view.state).toBe('routed');
    expect(view.holdReason).toBeNull();
    expect(view.lines[2].state).toBe('no_shipping');
    expect(view.purchaseOrders.flatMap((po: any) => po.lines.map((l: any) => l.sku)).sort()).toEqual([
      'LAMP-OAK',
      'MUG-BLUE',
    ]);
    await until('both purchase orders delivered', () => delivered().length >= 2);
    const sent = delivered().flatMap((po) => po.lines.map((l) => l.sku));
    expect(sent.sort()).toEqual(['LAMP-OAK', 'MUG-BLUE']);
  });

  it('Shopify: an order whose figures do not add up is taken as charged and flagged with the difference', async () => {
    const order = {
      ...discountedTaxIncludedOrder(shop),
      total_price: '98.96',
      total_price_set: set('98.96'),
    };
    await shop.deliver('orders/create', order);
    const view = await takenIn('shop', String(order.id));
    expect(view.total).toEqual(money(9896));
    expect(view.money.mismatches).toEqual([{ figure: 'total', channel: 9896, parts: 9996 }]);
    const flagged = view.events.find((e: any) => e.type === 'order.charges_mismatch');
    expect(flagged.data).toEqual({
      currency: 'EUR',
      mismatches: [{ figure: 'total', channel: 9896, parts: 9996 }],
    });
  });

  it('WooCommerce: tax, shipping and a coupon: every figure as WooCommerce wrote it, and they reconcile', async () => {
    const order = wooOrderWithCoupon(woo);
    expect((await woo.deliver('order.created', order)).status).toBe(200);
    const view = await takenIn('woo', String(order.id));
    const cents = (text: string) => Math.round(Number(text) * 100);
    const lines = order.line_items;
    expect(view.total).toEqual(money(cents(order.total), 'USD'));
    expect(view.money).toMatchObject({
      taxesIncluded: false,
      subtotal: money(
        lines.reduce((n, l) => n + cents(l.subtotal), 0),
        'USD',
      ),
      discounts: money(cents(order.discount_total), 'USD'),
      shipping: money(
        order.shipping_lines.reduce((n, s) => n + cents(s.total), 0),
        'USD',
      ),
      tax: money(cents(order.total_tax), 'USD'),
      mismatches: [],
    });
    expect(
      view.lines.map((l: any) => [l.channelLineId, l.money.discount.amount, l.money.total.amount]),
    ).toEqual(
      lines.map((l) => [
        String(l.id),
        cents(l.subtotal) - cents(l.total),
        cents(l.total) + cents(l.total_tax),
      ]),
    );
    expect(view.lines[0].money.taxes.map((tax: any) => tax.id)).toEqual(
      lines[0]!.taxes.map((tax) => String(tax.id)),
    );
    expect(view.money.discounts.amount).toBeGreaterThan(0);
    expect(view.money.tax.amount).toBeGreaterThan(0);
  });

  it('a channel order without a shipping address is held with the reason, nothing sent, and its view answers', async () => {
    const base = shop.makeOrder(2, [{ sku: 'MUG-BLUE', variantId: 4101, price: '12.99' }]);
    const order = { ...base, currency: 'EUR', shipping_address: null };
    await shop.deliver('orders/create', order);
    const view = await takenIn('shop', String(order.id));
    expect(view.state).toBe('on_hold');
    expect(view.holdReason).toContain('the shipping address has no name, line1, city, country');
    expect(view.purchaseOrders).toEqual([]);
    expect(view.shippingAddress).toMatchObject({ name: '', line1: '', country: '' });
  });
});

/** A generated WooCommerce order in USD with a coupon on it (the simulator's orders carry tax and shipping). */
function wooOrderWithCoupon(woo: WooCommerceSim): WooOrder {
  for (let i = 1; i < 200; i++) {
    const order = woo.makeOrder(i, [
      { sku: 'MUG-BLUE', productId: 11, price: '12.99' },
      { sku: 'LAMP-OAK', productId: 12, price: '89.00' },
    ]);
    if (
      order.coupon_lines.length &&
      Number(order.total_tax) > 0 &&
      order.shipping_lines.length &&
      order.currency === 'USD'
    )
      return order;
  }
  throw new Error('the simulator made no order with a coupon, tax and shipping');
}

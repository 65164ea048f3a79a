import type { Generated, Kysely } from 'kysely';

/**
 * The tables, as Kysely sees them. Times are epoch milliseconds (bigint), money is integer minor units with a
 * currency column beside it, JSON is stored as text: the same on SQLite and PostgreSQL.
 */
export interface Database {
  settings: { key: string; value: string };
  api_keys: {
    id: string;
    hash: string;
    role: string;
    label: string | null;
    created_at: number;
    revoked_at: number | null;
  };
  users: {
    id: string;
    email: string;
    role: string;
    supplier_id: string | null;
    password_hash: string | null;
    failed_sign_ins: Generated<number>;
    locked_until: number | null;
    created_at: number;
    disabled_at: number | null;
  };
  user_sessions: {
    token_hash: string;
    user_id: string;
    csrf_token: string;
    created_at: number;
    expires_at: number;
  };
  sign_in_links: {
    token_hash: string;
    user_id: string;
    created_at: number;
    expires_at: number;
    used_at: number | null;
  };
  /** Links that open one PO in the supplier portal, signed in as the supplier's link user (0024). */
  portal_links: {
    token_hash: string;
    supplier_id: string;
    po_number: string;
    user_id: string;
    created_at: number;
    expires_at: number;
  };
  channels: {
    id: string;
    kind: string;
    name: string;
    currency: string;
    /** Non-secret settings of the channel's kind, as JSON (e.g. Shopify's shop domain). */
    config: string | null;
    /** Encrypted JSON of the channel's secrets (see infra/secret-box.ts). */
    secrets: string | null;
    /** `accept` (take the order, wait for stock) or `cancel` (cancel the line) when stock cannot be reserved. */
    backorder_policy: Generated<string>;
    /** How far the channel's stock sync has read stock_levels.updated_at. */
    stock_synced_until: Generated<number>;
    /** Moved on by every change of the channel's channel_stock rows (a copy in memory checks it). */
    stock_told_version: Generated<number>;
    /** The catch-up poll has read the channel's orders changed up to this time (ms). */
    polled_until: number | null;
    /** JSON: the channel's webhook subscriptions as last checked (WebhookHealth[] and when). */
    webhook_health: string | null;
    /** JSON: `{ cap }` or `{ share }`, what of available-to-promise this channel is told. */
    allocation: string | null;
    created_at: number;
    updated_at: number;
  };
  suppliers: {
    id: string;
    name: string;
    currency: string;
    transport_kind: string;
    /** Non-secret transport settings (URL, timeout) as JSON. */
    transport_config: string;
    secrets: string | null;
    api_token_hash: string | null;
    ack_within_minutes: number;
    /** Units held back from this supplier's reported stock. */
    safety_buffer: Generated<number>;
    /** 1: orders stop going to it and its stock counts as none; its open purchase orders go on. */
    paused: Generated<number>;
    /** 'supplier' (drop-ships) or 'warehouse' (the retailer's own stock). */
    node_kind: Generated<string>;
    /** 0–100: how much routing trusts it. */
    score: Generated<number>;
    /** JSON Place: where it ships from, unless an offer says otherwise. */
    ship_from: string | null;
    ship_within_minutes: number | null;
    /** JSON: the hours its SLAs count in (time zone, days, opening and closing, holidays); null: every hour counts. */
    working_calendar: string | null;
    /** 1: its carriers deliver to PO boxes. */
    po_boxes: Generated<number>;
    /** JSON FeedSettings (app/feed-settings.ts); null: it sends no feed. */
    feed_config: string | null;
    /** Sealed: the feed pull's password, key or Authorization header. */
    feed_secrets: string | null;
    /** What the last pull of its feed saw, so an unchanged file is not read again. */
    feed_etag: string | null;
    feed_last_modified: string | null;
    created_at: number;
    updated_at: number;
  };
  products: { id: string; name: string; created_at: number; updated_at: number };
  variants: {
    sku: string;
    product_id: string;
    name: string;
    gtin: string | null;
    /** JSON array of strings: routing rules match on them. */
    tags: string | null;
    category: string | null;
    /** The GTIN as 14 digits: matched against feeds whatever length either side writes. */
    gtin14: string | null;
    created_at: number;
    updated_at: number;
  };
  offers: {
    supplier_id: string;
    sku: string;
    supplier_sku: string;
    cost_amount: number;
    cost_currency: string;
    priority: number;
    active: number;
    stock: number | null;
    lead_days: Generated<number>;
    /** Minor units of the offer's cost currency, per shipment. */
    shipping_estimate: Generated<number>;
    drop_ship_fee: Generated<number>;
    min_quantity: Generated<number>;
    pack_size: Generated<number>;
    /** JSON Place; null: the node's own. */
    ship_from: string | null;
    /** The minimum advertised price the supplier sets, if any. */
    map_amount: number | null;
    map_currency: string | null;
    /** 1: the supplier no longer makes it; routing and pricing pass it over. */
    discontinued: Generated<number>;
    updated_at: number;
  };
  /** A supplier's SKU that is one of Waybill's: made by an operator, by GTIN, or by the setup document's offers. */
  supplier_skus: {
    supplier_id: string;
    supplier_sku: string;
    sku: string;
    matched_by: string;
    created_at: number;
  };
  /** A row of a supplier's accepted feed not matched to a Waybill SKU (yet): listed for an operator to map. */
  feed_items: {
    supplier_id: string;
    supplier_sku: string;
    sku: string | null;
    gtin: string | null;
    stock: number | null;
    digest: number;
    item: string;
    updated_at: number;
  };
  /** The last accepted feed's changes since its base, as FeedIndex bytes (domain/feed-index.ts), and its version. */
  feed_indexes: { supplier_id: string; changes: Buffer | null; version: number; updated_at: number };
  /** The base of the last accepted feed (all its rows), written again when the changes grow past a quarter of it. */
  feed_index_bases: { supplier_id: string; rows: Buffer };
  /** One import of a supplier's feed, with its report and the operator's decision if it was quarantined. */
  feed_imports: {
    id: string;
    supplier_id: string;
    source: string;
    file_name: string | null;
    kind: string;
    status: string;
    report: string;
    file: Buffer | null;
    received_at: number;
    decided_at: number | null;
    decided_by: string | null;
  };
  routing_rules: { version: number; rules: string; created_at: number };
  /** The retailer's pricing rules (app/pricing-rules.ts), one row per version, as JSON. */
  price_rules: { version: number; rules: string; created_at: number };
  /** One unit of `from_currency` is worth `rate` (a decimal string) of `to_currency`, as `source` gave it. */
  exchange_rates: {
    from_currency: string;
    to_currency: string;
    /** 'operator' (set in the pricing rules), or a configured source's name. */
    source: string;
    rate: string;
    /** ISO 8601: when the source says the rate held. */
    as_of: string;
    set_at: number;
  };
  order_holds: {
    order_id: string;
    check: string;
    message: string;
    created_at: number;
    resolved_at: number | null;
  };
  order_fingerprints: { kind: string; key: string; order_id: string; at: number };
  orders: {
    id: string;
    channel_id: string;
    external_id: string;
    state: string;
    hold_reason: string | null;
    currency: string;
    total_amount: number;
    customer: string;
    shipping_address: string;
    placed_at: number;
    created_at: number;
    updated_at: number;
    /** The channel's own last-modified time of the order, when it sends one (Shopify `updated_at`). */
    source_updated_at: number | null;
    /** JSON OrderCharges (shipping, fees, discounts, tax, the channel's totals); null for orders from before 0008. */
    charges: string | null;
  };
  order_lines: {
    order_id: string;
    line_number: number;
    sku: string;
    quantity: number;
    unit_price: number;
    state: string;
    supplier_id: string | null;
    /** Why the line was cancelled: `stock` (refunded at the channel), `channel` (cancelled or refunded there). */
    cancel_reason: string | null;
    channel_line_id: string | null;
    title: string | null;
    /** 0 for lines that need no shipping (gift wrap, gift cards, services). */
    requires_shipping: Generated<number>;
    /** JSON LineCharges; null for lines from before 0008 (unit price × quantity, no discount, no tax). */
    charges: string | null;
  };
  purchase_orders: {
    id: string;
    po_number: string;
    order_id: string;
    supplier_id: string;
    state: string;
    currency: string;
    total_amount: number;
    created_at: number;
    updated_at: number;
    sent_at: number | null;
    acknowledged_at: number | null;
    ack_due_at: number | null;
    /** Set at the acknowledgement when the supplier has a shipping SLA. */
    ship_due_at: number | null;
    ship_overdue_at: number | null;
    /** When the sweep flagged the acknowledgement as overdue (once). */
    ack_overdue_at: number | null;
  };
  edi_control_numbers: {
    supplier_id: string;
    subject: string;
    number: number;
    created_at: number;
    /** The supplier's 997: `accepted`, `rejected`; null until it came. */
    receipt: string | null;
    /** JSON array of the 997's error codes and notes. */
    receipt_errors: string | null;
    receipt_at: number | null;
  };
  supplier_files: {
    id: string;
    supplier_id: string;
    name: string;
    size: number;
    sha256: string;
    /** `taken`, `duplicate`, `refused`. */
    outcome: string;
    reason: string | null;
    received_at: number;
    settled_at: number | null;
  };
  /** A supplier's circuit breaker (0023); no row: closed. Times in ms; `next_probe_at` per the state (see 0023). */
  supplier_circuits: {
    supplier_id: string;
    /** `closed`, `open`, `half_open`. */
    state: string;
    consecutive_failures: number;
    failed_probes: number;
    down_since: number | null;
    next_probe_at: number | null;
    /** Without secrets (addresses' credentials taken out). */
    last_error: string | null;
    /** When this outage outlasted the supplier's SLA and its waiting orders were held (null: not yet). */
    alerted_at: number | null;
    updated_at: number;
  };
  supplier_invoices: {
    supplier_id: string;
    invoice_number: string;
    po_number: string;
    invoiced_on: string;
    currency: string;
    total: number;
    /** JSON array of the invoice's lines. */
    lines: string;
    file_id: string | null;
    received_at: number;
  };
  /**
   * What the order list's search matches (0021): one row a term, folded (views-orders.repo.ts `foldForSearch`).
   * `kind` says what of (`order` external id, `email`, `name`, `sku`, `po` number, `po_sku`); a purchase order's
   * terms carry its id. Derived data: written with the order or purchase order, never changed.
   */
  order_search_terms: {
    term: string;
    kind: string;
    order_id: string;
    purchase_order_id: string | null;
  };
  purchase_order_lines: {
    purchase_order_id: string;
    line_number: number;
    order_line_number: number;
    sku: string;
    supplier_sku: string;
    quantity: number;
    unit_cost: number;
    status: string;
    reject_reason: string | null;
    shipped_quantity: number;
  };
  shipments: {
    id: string;
    purchase_order_id: string;
    order_id: string;
    supplier_id: string;
    carrier: string;
    tracking_number: string;
    state: string;
    shipped_at: number;
    created_at: number;
  };
  shipment_lines: {
    shipment_id: string;
    po_line_number: number;
    order_line_number: number;
    sku: string;
    quantity: number;
  };
  channel_refunds: {
    channel_id: string;
    refund_id: string;
    order_id: string;
    origin: string;
    amount: number;
    currency: string;
    lines: string;
    created_at: number;
  };
  channel_prices: {
    channel_id: string;
    sku: string;
    amount: number;
    compare_at_amount: number | null;
    currency: string;
    told: string | null;
    updated_at: number;
    /** 'manual' (the setup document's products[].prices) or 'rule' (the pricing rules). */
    source: Generated<string>;
    /** JSON PriceRule that decided a rule price. */
    rule: string | null;
    /** JSON ExchangeRate a rule price was converted with; null when cost and channel share a currency. */
    rate: string | null;
    /** 'min_margin' or 'map' when the rule's price was held at that floor. */
    floor: string | null;
  };
  channel_stock: { channel_id: string; sku: string; told: number; told_at: number };
  /** Stock pushes a channel processes later (Amazon's feeds), until their reports are read (0025). */
  channel_stock_reports: {
    channel_id: string;
    report_id: string;
    /** JSON array of the SKUs the push carried. */
    skus: string;
    submitted_at: number;
    checked_at: number;
  };
  stock_levels: { sku: string; bounded: number; on_hand: number; reserved: number; updated_at: number };
  reservations: {
    order_id: string;
    line_number: number;
    sku: string;
    channel_id: string;
    quantity: number;
    state: string;
    created_at: number;
    updated_at: number;
  };
  channel_deliveries: {
    channel_id: string;
    delivery_id: string;
    topic: string;
    payload: string;
    triggered_at: number | null;
    received_at: number;
    processed_at: number | null;
    outcome: string | null;
  };
  events: {
    seq: Generated<number>;
    order_id: string | null;
    subject_type: string;
    subject_id: string;
    type: string;
    data: string;
    at: number;
  };
  jobs: {
    id: string;
    kind: string;
    /** Idempotency key: a second enqueue with the same key is a no-op. */
    key: string;
    payload: string;
    state: string;
    attempts: number;
    max_attempts: number;
    run_at: number;
    locked_by: string | null;
    locked_until: number | null;
    last_error: string | null;
    created_at: number;
    updated_at: number;
  };
}

export type Db = Kysely<Database>;

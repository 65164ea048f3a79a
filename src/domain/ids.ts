/** Branded identifiers: a plain string at run time, a distinct type to the compiler, so ids cannot be mixed up. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type OrderId = Brand<string, 'OrderId'>;
export type ChannelId = Brand<string, 'ChannelId'>;
export type SupplierId = Brand<string, 'SupplierId'>;
export type PurchaseOrderId = Brand<string, 'PurchaseOrderId'>;
export type ShipmentId = Brand<string, 'ShipmentId'>;
export type Sku = Brand<string, 'Sku'>;
export type PoNumber = Brand<string, 'PoNumber'>;

/** Generates new ids; injected so the domain and the use cases stay deterministic under test. */
export interface IdGenerator {
  /** A new unique, time-ordered id with the given prefix, e.g. `next('ord')` → `ord_01JD3K8Z9Q…`. */
  next(prefix: string): string;
}

/** The clock, injected for the same reason. */
export interface Clock {
  now(): Date;
}

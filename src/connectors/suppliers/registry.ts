import { restJson } from './rest-json/index.ts';
import type { SupplierTransportAdapter } from './supplier-transport.ts';

export type SupplierTransportRegistry = Readonly<Record<string, SupplierTransportAdapter>>;

/** Every supplier transport Waybill knows. Adding one: its folder, and one line here. */
export const supplierTransports: SupplierTransportRegistry = {
  'rest-json': restJson as SupplierTransportAdapter,
};

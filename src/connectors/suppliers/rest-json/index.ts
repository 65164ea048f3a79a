import type { SupplierTransportAdapter } from '../supplier-transport.ts';
import { restJsonConfig, restJsonSecrets, type RestJsonConfig, type RestJsonSecrets } from './credentials.ts';
import { postPurchaseOrder } from './transport.ts';

/** Suppliers with a REST endpoint: the PO is POSTed as signed JSON. */
export const restJson: SupplierTransportAdapter<RestJsonConfig, RestJsonSecrets> = {
  kind: 'rest-json',
  config: restJsonConfig,
  secrets: restJsonSecrets,
  create: (config, secrets) => ({
    send: (po, options) => postPurchaseOrder(config, secrets, po, options),
  }),
};

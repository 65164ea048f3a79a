import { failedConnection } from '../../shared/connection-test.ts';
import { transportKind } from '../supplier-transport.ts';
import { restJsonConfig, restJsonSecrets } from './credentials.ts';
import { postCancel, postPing, postPurchaseOrder } from './transport.ts';

/**
 * Suppliers with a REST endpoint: the PO (and its withdrawal) is POSTed as signed JSON; answers come back through the
 * supplier API.
 */
export const restJson = transportKind({
  kind: 'rest-json',
  label: 'REST/JSON',
  config: restJsonConfig,
  secrets: restJsonSecrets,
  create: (config, secrets) => ({
    send: (po, options) => postPurchaseOrder(config, secrets, po, options),
    cancel: (message, options) => postCancel(config, secrets, message, options),
  }),
  test: async (config, secrets, options) => {
    try {
      await postPing(config, secrets, options);
      return { ok: true, detail: `${config.url} took a signed ping` };
    } catch (error) {
      return failedConnection(error);
    }
  },
});

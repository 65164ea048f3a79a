import type { TransportServices } from '../../src/connectors/suppliers/supplier-transport.ts';

/**
 * What Waybill keeps for a transport, in memory, for adapter tests that run without a hub: control numbers allocated
 * once per subject from 1, and portal links that name the PO.
 */
export function memoryTransportServices(): TransportServices & { numbers: Map<string, number> } {
  const numbers = new Map<string, number>();
  return {
    numbers,
    controlNumber: (subject) => {
      let n = numbers.get(subject);
      if (n === undefined) numbers.set(subject, (n = numbers.size + 1));
      return Promise.resolve(n);
    },
    portalLink: (poNumber) =>
      Promise.resolve(`http://127.0.0.1:8080/portal/po-link#po=${encodeURIComponent(poNumber)}`),
  };
}

import { KindRegistry } from '../shared/kind-registry.ts';
import { csvSftp } from './csv-sftp/index.ts';
import { ediX12Sftp } from './edi-x12/index.ts';
import { email } from './email/index.ts';
import { restJson } from './rest-json/index.ts';
import type { TransportKind } from './supplier-transport.ts';

export type TransportKinds = KindRegistry<TransportKind>;

/** Every supplier transport Waybill knows. Adding one: its folder, and one line here. */
export const supplierTransports: TransportKinds = new KindRegistry('transport', [
  restJson,
  csvSftp,
  ediX12Sftp,
  email,
]);

import { transportKind } from '../supplier-transport.ts';
import { checkEdiX12, ediX12Config, ediX12Secrets } from './credentials.ts';
import { testSftpExchange } from '../shared/sftp-exchange.ts';
import { EdiX12Transport } from './transport.ts';

/**
 * Trading partners on EDI X12 004010 over SFTP: 850 purchase orders and 860 cancellations go to the partner's
 * folder; its 855, 856, 810, 846 and 997 files are read from another, each answered with a 997 (docs/edi-x12.md).
 */
export const ediX12Sftp = transportKind({
  kind: 'edi-x12-sftp',
  label: 'EDI X12 over SFTP',
  config: ediX12Config,
  secrets: ediX12Secrets,
  check: checkEdiX12,
  receiveEveryMs: 30_000,
  create: (config, secrets, supplier, services) => new EdiX12Transport(config, secrets, services, supplier),
  test: (config, secrets) => testSftpExchange(config, secrets),
});

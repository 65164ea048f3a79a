import { checkSftpLogin, testSftpExchange } from '../shared/sftp-exchange.ts';
import { transportKind } from '../supplier-transport.ts';
import { csvSftpConfig, csvSftpSecrets } from './credentials.ts';
import { CsvSftpFiles } from './transport.ts';

/**
 * Suppliers that trade CSV files over SFTP: each PO is a file in their inbox, in their columns; their
 * acknowledgements and shipments come back as CSV files in their outbox, read by a column mapping as catalog feeds
 * are (docs/csv-transport.md).
 *
 * No `cancel`: a CSV supplier has no message that withdraws a PO, so a person asks it (Waybill flags the PO).
 */
export const csvSftp = transportKind({
  kind: 'csv-sftp',
  label: 'CSV over SFTP',
  config: csvSftpConfig,
  secrets: csvSftpSecrets,
  check: checkSftpLogin,
  receiveEveryMs: 30_000,
  create: (config, secrets) => {
    const files = new CsvSftpFiles(config, secrets);
    return {
      send: (po) => files.send(po),
      receive: () => files.receive(),
      settle: (settled) => files.settle(settled),
    };
  },
  test: (config, secrets) => testSftpExchange(config, secrets),
});

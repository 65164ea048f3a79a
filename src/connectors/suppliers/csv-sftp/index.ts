import { SftpFolderError } from '../../../infra/sftp-folder.ts';
import type { ConnectionTestResult } from '../../shared/connection-test.ts';
import { checkSftpLogin } from '../shared/sftp-exchange.ts';
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
  test: async (config, secrets) => {
    const files = new CsvSftpFiles(config, secrets);
    try {
      const { hostKeySha256 } = await files.test();
      return {
        ok: true,
        detail: `signed in to ${config.host}:${config.port}; folders ${config.toSupplier} and ${config.fromSupplier} open; host key ${hostKeySha256}`,
      };
    } catch (error) {
      return sftpFailure(error);
    } finally {
      await files.close();
    }
  },
});

/** Why an SFTP login failed, in the terms of a connection test. */
function sftpFailure(error: unknown): ConnectionTestResult {
  const detail = error instanceof Error ? error.message : String(error);
  if (!(error instanceof SftpFolderError)) return { ok: false, reason: 'unreachable', detail };
  switch (error.code) {
    case 'auth-failed':
      return { ok: false, reason: 'unauthorized', detail };
    case 'unreachable':
    case 'timeout':
    case 'closed':
      return { ok: false, reason: 'unreachable', detail };
    case 'not-found':
      return { ok: false, reason: 'not_configured', detail };
    default:
      return { ok: false, reason: 'refused', detail };
  }
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSftpServer } from './sftp-server.ts';

/** An ed25519 private key (OpenSSH format) no test server knows. */
export function strangerKey(): string {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
    return readFileSync(join(dir, 'key'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A file transport's side of the supplier contract (src/connectors/suppliers/contract.test.ts): a real OpenSSH server
 * with the supplier's `in/` and `out/` folders, the settings and login that reach it, a key it refuses, and the PO
 * numbers of the files in `in/`, as `poNumberOf` reads them from a file name (undefined: not a PO file).
 *
 * @example
 * 'csv-sftp': () => sftpTransportHarness((name) => /^PO_(.*)\.csv$/.exec(name)?.[1]),
 */
export async function sftpTransportHarness(poNumberOf: (fileName: string) => string | undefined) {
  const server = await startSftpServer();
  for (const folder of ['in', 'out']) mkdirSync(join(server.root, folder));
  return {
    config: {
      host: server.host,
      port: server.port,
      username: server.username,
      hostKeySha256: server.hostKeySha256,
      readyTimeoutMs: 5_000,
      operationTimeoutMs: 5_000,
    },
    secrets: { privateKey: server.privateKey },
    wrongSecrets: { privateKey: strangerKey() },
    received: () =>
      readdirSync(join(server.root, 'in')).flatMap((name) => {
        const poNumber = poNumberOf(name);
        return poNumber === undefined ? [] : [poNumber];
      }),
    root: server.root,
    close: () => server.stop(),
  };
}

import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSftpFolder, type SftpFolder, type SftpFolderSettings } from '../src/infra/sftp-folder.ts';
import { SSHD, startSftpServer, type SftpServerSim } from './sftp-server.ts';

const IMPLEMENTATIONS = [
  { implementation: 'in-process' as const, available: true },
  { implementation: 'openssh' as const, available: existsSync(SSHD) },
];

for (const { implementation, available } of IMPLEMENTATIONS) {
  // Without sshd the OpenSSH run skips, saying so; the in-process one always runs.
  describe.skipIf(!available)(`supplier SFTP server (${implementation})`, () => {
    let server: SftpServerSim;
    let folders = 0;

    beforeAll(async () => {
      server = await startSftpServer({ implementation });
    });
    afterAll(async () => {
      await server?.stop();
    });

    function settings(folder: string, extra: Partial<SftpFolderSettings> = {}): SftpFolderSettings {
      return { ...server, folder, readyTimeoutMs: 5_000, operationTimeoutMs: 5_000, ...extra };
    }

    async function withFolder(body: (folder: SftpFolder, local: string) => Promise<void>): Promise<void> {
      const name = `box-${++folders}`;
      mkdirSync(join(server.root, name));
      const folder = await openSftpFolder(settings(name));
      try {
        await body(folder, join(server.root, name));
      } finally {
        await folder.close();
      }
    }

    it('lists regular files oldest first, leaving out dot-files and folders, and reads them', async () => {
      await withFolder(async (folder, local) => {
        writeFileSync(join(local, 'b.x12'), 'second');
        writeFileSync(join(local, 'a.x12'), 'first');
        writeFileSync(join(local, '.c.x12.part'), 'in progress');
        mkdirSync(join(local, 'sub'));
        utimesSync(join(local, 'a.x12'), new Date('2026-12-01T08:00:00Z'), new Date('2026-12-01T08:00:00Z'));
        utimesSync(join(local, 'b.x12'), new Date('2026-12-01T09:00:00Z'), new Date('2026-12-01T09:00:00Z'));
        const files = await folder.list();
        expect(files.map((f) => [f.name, f.size, f.modifiedAt.toISOString()])).toEqual([
          ['a.x12', 5, '2026-12-01T08:00:00.000Z'],
          ['b.x12', 6, '2026-12-01T09:00:00.000Z'],
        ]);
        expect((await folder.read('a.x12')).toString()).toBe('first');
      });
    });

    it('reads a file larger than one SFTP read', async () => {
      await withFolder(async (folder, local) => {
        const big = Buffer.alloc(300_000, 'x');
        big.write('end', big.length - 3);
        writeFileSync(join(local, 'big.x12'), big);
        expect((await folder.read('big.x12')).equals(big)).toBe(true);
      });
    });

    it('uploads atomically (a dot-name, then a rename that replaces) and moves into a new folder', async () => {
      await withFolder(async (folder, local) => {
        await folder.putAtomic('850.x12', Buffer.from('one'));
        await folder.putAtomic('850.x12', Buffer.from('two'));
        expect(readFileSync(join(local, '850.x12'), 'utf8')).toBe('two');
        expect(readdirSync(local)).toEqual(['850.x12']);
        await folder.moveTo('850.x12', '../archive-of-box');
        expect(readdirSync(local)).toEqual([]);
        expect(readFileSync(join(local, '..', 'archive-of-box', '850.x12'), 'utf8')).toBe('two');
      });
    });

    it('says a missing file is not found', async () => {
      await withFolder(async (folder) => {
        await expect(folder.read('nothing.x12')).rejects.toMatchObject({ code: 'not-found' });
      });
    });

    it('pins its host key and refuses another key, and any login but its own key', async () => {
      const other = await startSftpServer({ implementation });
      try {
        await expect(
          openSftpFolder(settings('.', { port: other.port, hostKeySha256: server.hostKeySha256 })),
        ).rejects.toMatchObject({ code: 'host-key-mismatch' });
        await expect(openSftpFolder(settings('.', { privateKey: other.privateKey }))).rejects.toMatchObject({
          code: 'auth-failed',
        });
        const opened = await openSftpFolder(settings('.'));
        expect(opened.hostKeySha256).toBe(server.hostKeySha256);
        await opened.close();
      } finally {
        await other.stop();
      }
    });
  });
}

describe('in-process SFTP server', () => {
  it('keeps a client inside the folder it serves', async () => {
    const server = await startSftpServer({ implementation: 'in-process' });
    try {
      const folder = await openSftpFolder({
        ...server,
        folder: '../../..',
        readyTimeoutMs: 5_000,
        operationTimeoutMs: 5_000,
      });
      try {
        await folder.putAtomic('escaped.txt', Buffer.from('x'));
        // `/../../..` is `/`: the file lands in the root, not three folders above it.
        expect(readFileSync(join(server.root, 'escaped.txt'), 'utf8')).toBe('x');
      } finally {
        await folder.close();
      }
    } finally {
      await server.stop();
    }
  });
});

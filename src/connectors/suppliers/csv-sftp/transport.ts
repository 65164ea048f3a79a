import { SftpExchange } from '../shared/sftp-exchange.ts';
import type {
  PurchaseOrderMessage,
  ReceivedFile,
  ReceivedFiles,
  SettledFile,
} from '../supplier-transport.ts';
import type { CsvSftpConfig, CsvSftpSecrets } from './credentials.ts';
import { answerFileKind, poFileBytes, poFileName, readAnswerFile } from './map.ts';

/**
 * The only place this adapter speaks SFTP, through the shared exchange: PO files into the supplier's inbox
 * (atomically, under a name that is the same on every send), its acknowledgement and shipment files read back from
 * its outbox, and each put away once Waybill has recorded it.
 *
 * @example
 * const files = new CsvSftpFiles(config, secrets);
 * await files.send(po);                        // in/PO_PO-1.csv
 * const { files: answers } = await files.receive();
 */
export class CsvSftpFiles {
  readonly #exchange: SftpExchange;

  constructor(
    private readonly config: CsvSftpConfig,
    secrets: CsvSftpSecrets,
  ) {
    this.#exchange = new SftpExchange(config, secrets);
  }

  /** Writes the PO's file; a resend writes the same bytes under the same name, replacing it. */
  async send(po: PurchaseOrderMessage): Promise<void> {
    await this.#exchange.upload(poFileName(po, this.config.poFile), poFileBytes(po, this.config.poFile));
  }

  /**
   * The supplier's answer files (those whose names the settings know), each read whole or refused whole:
   * acknowledgements first, then the rest, each oldest first. Waybill applies them in this order, and a shipment
   * of lines not yet accepted would be refused: a supplier that uploads both at once means the ack to come first.
   */
  async receive(): Promise<ReceivedFiles> {
    const fetched = await this.#exchange.fetch((name) => answerFileKind(name, this.config) !== undefined);
    const acksFirst = [
      ...fetched.filter((f) => answerFileKind(f.name, this.config) === 'acknowledgements'),
      ...fetched.filter((f) => answerFileKind(f.name, this.config) !== 'acknowledgements'),
    ];
    const files: ReceivedFile[] = acksFirst.map(({ bytes, ...file }) => ({
      ...file,
      ...readAnswerFile(file.name, bytes, this.config),
    }));
    return { files, more: fetched.more, cursor: null };
  }

  /** Taken files to the archive, refused ones aside. */
  async settle(files: readonly SettledFile[]): Promise<void> {
    await this.#exchange.settle(files);
  }

  /** Both folders open; the host key seen. */
  test(): Promise<{ hostKeySha256: string }> {
    return this.#exchange.test();
  }

  close(): Promise<void> {
    return this.#exchange.close();
  }
}

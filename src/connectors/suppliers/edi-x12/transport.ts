import { SftpExchange, type FetchedFile } from '../shared/sftp-exchange.ts';
import type {
  CancelAnswer,
  PurchaseOrderCancelMessage,
  PurchaseOrderMessage,
  ReceivedFile,
  ReceivedFiles,
  SettledFile,
  SupplierTransport,
  TransportServices,
  TransportSupplier,
} from '../supplier-transport.ts';
import type { EdiX12Config, EdiX12Secrets } from './credentials.ts';
import { cancel860, fileNames, isa13, partnersOf, purchaseOrder850, toAnswers } from './map.ts';
import { writeInterchange, type Partners } from './x12/envelope.ts';
import { functionalAck } from './x12/functional-ack.ts';
import { readFile } from './x12/read-file.ts';

/**
 * One X12 trading partner's transport: 850s and 860s uploaded to the partner's inbox, its answer files read from
 * its outbox (855, 856, 810, 846, 997), each answered with a 997 when settled. The only file of the adapter that
 * does I/O, all of it through the shared SFTP exchange.
 */
export class EdiX12Transport implements SupplierTransport {
  readonly #exchange: SftpExchange;
  readonly #partners: Partners;

  constructor(
    private readonly config: EdiX12Config,
    secrets: EdiX12Secrets,
    private readonly services: TransportServices,
    /** Amounts of documents that carry no CUR segment are in the supplier's currency. */
    private readonly supplier: TransportSupplier,
  ) {
    this.#exchange = new SftpExchange(config, secrets);
    this.#partners = partnersOf(config);
  }

  /** The 850 under the PO's own control number and date: a resend writes the same bytes under the same name. */
  async send(po: PurchaseOrderMessage, _options: { signal: AbortSignal; now: Date }): Promise<void> {
    const number = await this.services.controlNumber(`850:${po.poNumber}`);
    const bytes = writeInterchange(this.#partners, {
      functionalId: 'PO',
      controlNumber: number,
      at: po.createdAt,
      sets: [{ id: '850', segments: purchaseOrder850(po, this.#partners.delimiters) }],
    });
    await this.#exchange.upload(fileNames.purchaseOrder(po.poNumber, isa13(number)), bytes);
  }

  /**
   * An 860 with BCH01 01 is a request: the partner's later answers (an 855 rejecting the lines, or an 856 if it
   * shipped anyway) decide. Delivering it is all a file transport can know, so the answer is `cancelled`.
   */
  async cancel(
    message: PurchaseOrderCancelMessage,
    _options: { signal: AbortSignal; now: Date },
  ): Promise<CancelAnswer> {
    const number = await this.services.controlNumber(`860:${message.poNumber}`);
    const bytes = writeInterchange(this.#partners, {
      functionalId: 'PC',
      controlNumber: number,
      at: message.cancelledAt,
      sets: [{ id: '860', segments: cancel860(message, this.#partners.delimiters) }],
    });
    await this.#exchange.upload(fileNames.cancel(message.poNumber, isa13(number)), bytes);
    return 'cancelled';
  }

  async receive(options: { now: Date }): Promise<ReceivedFiles> {
    // Every file the partner leaves is looked at: one that is not X12 is refused and moved aside, not left there.
    const fetched = await this.#exchange.fetch(() => true);
    // Read side by side: each 997's control number is a transaction of its own, and these share commits.
    const files = await Promise.all(fetched.map((file) => this.#read(file, options.now)));
    return {
      files,
      more: fetched.more,
      receiptWindowMs: this.config.functionalAckWindowMinutes * 60_000,
      cursor: null,
    };
  }

  async settle(files: readonly SettledFile[], _options: { signal: AbortSignal; now: Date }): Promise<void> {
    await this.#exchange.settle(files);
  }

  async close(): Promise<void> {
    await this.#exchange.close();
  }

  async #read(file: FetchedFile, now: Date): Promise<ReceivedFile> {
    const reading = readFile(file.bytes, this.#partners, { fallbackCurrency: this.supplier.currency });
    const received: ReceivedFile = { name: file.name, size: file.size, sha256: file.sha256 };
    if (reading.documents) received.answers = toAnswers(reading.documents);
    else received.refused = reading.refused;
    if (reading.acks.length > 0) {
      // Numbered by the file's hash, dated by its ISA: the same file read again gets the same 997.
      const number = await this.services.controlNumber(`997:${file.sha256}`);
      const bytes = writeInterchange(this.#partners, {
        functionalId: 'FA',
        controlNumber: number,
        at: reading.sentAt ?? now,
        sets: reading.acks.map((verdict) => ({
          id: '997',
          segments: functionalAck(verdict, this.#partners.delimiters),
        })),
      });
      received.reply = { name: fileNames.functionalAck(isa13(number)), bytes };
    }
    return received;
  }
}

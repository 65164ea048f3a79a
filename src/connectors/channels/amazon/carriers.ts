/**
 * Amazon's CarrierCode values (the CarrierCode list of amzn-base.xsd, which confirmShipment's carrierCode names) for
 * the carriers suppliers report most, by a name written any case, spaced or not. Any other carrier goes as `Other`
 * with its own name in carrierName, as Amazon asks.
 */
const CODES: ReadonlyMap<string, string> = new Map(
  [
    'USPS',
    'UPS',
    'FedEx',
    'DHL',
    'OnTrac',
    'Lasership',
    'Royal Mail',
    'Parcelforce',
    'DPD',
    'Hermes',
    'Yodel',
    'GLS',
    'TNT',
    'Canada Post',
    'Deutsche Post',
    'La Poste',
    'Chronopost',
    'Poste Italiane',
    'Australia Post',
    'Japan Post',
    // Amazon writes these two as one word; a supplier's "Yamato Transport" still finds it (names are compared
    // without case or spaces).
    'YamatoTransport',
    'SagawaExpress',
  ].map((code) => [normalised(code), code]),
);

function normalised(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function carrierOf(name: string): { carrierCode: string; carrierName?: string } {
  const code = CODES.get(normalised(name));
  return code ? { carrierCode: code } : { carrierCode: 'Other', carrierName: name.trim() || 'Other' };
}

import { describe, expect, it } from 'vitest';
import { carrierOf } from './carriers.ts';

describe("a supplier's carrier as Amazon's carrierCode", () => {
  it('spells each code as the CarrierCode list of amzn-base.xsd does, whatever the case and spacing', () => {
    expect(carrierOf('royal mail')).toEqual({ carrierCode: 'Royal Mail' });
    expect(carrierOf('Yamato Transport')).toEqual({ carrierCode: 'YamatoTransport' });
    expect(carrierOf('SAGAWA EXPRESS')).toEqual({ carrierCode: 'SagawaExpress' });
  });

  it('sends any other carrier as Other, with its name', () => {
    expect(carrierOf('Speedy Couriers')).toEqual({ carrierCode: 'Other', carrierName: 'Speedy Couriers' });
  });
});

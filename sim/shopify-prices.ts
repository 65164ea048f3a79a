/**
 * Variant prices in the simulated shop: what productVariantsBulkUpdate sets and nodes(ids:) reads back. Written from
 * shopify.dev (ProductVariant `price` and `compareAtPrice` as Money decimal strings in the shop currency, the
 * 2026-10 productVariantsBulkUpdate mutation with ProductVariantsBulkInput and allowPartialUpdates, and
 * ProductVariantsBulkUpdateUserError with its codes), not from src/. Prices are kept as integer minor units.
 */
import { formatMinor, parseMinor } from './money.ts';
import {
  GraphqlError,
  inputArray,
  MUTATION_COST,
  type AdminOperation,
  type Variables,
} from './shopify-common.ts';

export interface PricedVariant {
  id: string;
  sku: string | null;
  /** gid://shopify/Product/… */
  productId: string;
  /** Minor units of the shop currency. */
  price: number;
  compareAtPrice: number | null;
}

/** What the price operations need of the shop's catalogue. */
export interface PriceCatalog {
  readonly currency: string;
  readonly digits: number;
  variant(variantGid: unknown): PricedVariant | undefined;
  hasProduct(productGid: unknown): boolean;
  /** Every productVariantsBulkUpdate call, in order. */
  readonly priceUpdates: SimPriceUpdate[];
}

export interface VariantsBulkUserError {
  code: string;
  field: string[];
  message: string;
}

export interface SimPriceUpdate {
  productId: string;
  allowPartialUpdates: boolean;
  /** As sent: `undefined` leaves the field alone, null clears compareAtPrice. */
  variants: { id: string; sku: string | null; price?: string | null; compareAtPrice?: string | null }[];
  /** The variants whose prices changed (none when the call was refused as a whole). */
  applied: string[];
  userErrors: VariantsBulkUserError[];
}

const INVALID_BULK_INPUT =
  'Variable $variants of type [ProductVariantsBulkInput!]! was provided invalid value';
const DECIMAL = /^\d+(\.\d+)?$/;

interface BulkVariant {
  id: string;
  price?: string | null;
  compareAtPrice?: string | null;
}

function readBulkVariant(value: unknown): BulkVariant {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new GraphqlError(INVALID_BULK_INPUT);
  const entry = value as Record<string, unknown>;
  const money = (field: unknown) => field === undefined || field === null || typeof field === 'string';
  if (typeof entry.id !== 'string' || !money(entry.price) || !money(entry.compareAtPrice)) {
    throw new GraphqlError(INVALID_BULK_INPUT);
  }
  const variant: BulkVariant = { id: entry.id };
  if (entry.price !== undefined) variant.price = entry.price as string | null;
  if (entry.compareAtPrice !== undefined) variant.compareAtPrice = entry.compareAtPrice as string | null;
  return variant;
}

/** Minor units of a Money input, or the user error that refuses it. */
function moneyInput(catalog: PriceCatalog, amount: string, field: string[]): number | VariantsBulkUserError {
  if (amount.startsWith('-')) {
    return { code: 'GREATER_THAN_OR_EQUAL_TO', field, message: 'Price must be greater than or equal to 0' };
  }
  if (!DECIMAL.test(amount)) return { code: 'INVALID_INPUT', field, message: `${amount} is not a price` };
  try {
    return parseMinor(amount, catalog.digits);
  } catch {
    return {
      code: 'INVALID_INPUT',
      field,
      message: `${amount} has more decimals than ${catalog.currency} allows`,
    };
  }
}

interface CheckedChange {
  variant: PricedVariant;
  price?: number;
  compareAtPrice?: number | null;
}

function checkVariant(
  catalog: PriceCatalog,
  productId: string,
  input: BulkVariant,
  index: number,
): CheckedChange | VariantsBulkUserError[] {
  const at = ['variants', String(index)];
  const variant = catalog.variant(input.id);
  if (!variant || variant.productId !== productId) {
    return [
      {
        code: 'PRODUCT_VARIANT_DOES_NOT_EXIST',
        field: [...at, 'id'],
        message: 'Product variant does not exist',
      },
    ];
  }
  const errors: VariantsBulkUserError[] = [];
  const change: CheckedChange = { variant };
  if (input.price === null)
    errors.push({ code: 'BLANK', field: [...at, 'price'], message: "Price can't be blank" });
  if (typeof input.price === 'string') {
    const price = moneyInput(catalog, input.price, [...at, 'price']);
    if (typeof price === 'number') change.price = price;
    else errors.push(price);
  }
  if (input.compareAtPrice === null) change.compareAtPrice = null;
  if (typeof input.compareAtPrice === 'string') {
    const compareAt = moneyInput(catalog, input.compareAtPrice, [...at, 'compareAtPrice']);
    if (typeof compareAt === 'number') change.compareAtPrice = compareAt;
    else errors.push(compareAt);
  }
  return errors.length > 0 ? errors : change;
}

/**
 * productVariantsBulkUpdate: the variants must all belong to the product. Without allowPartialUpdates one refused
 * variant means none is changed; with it, the valid ones are.
 */
function bulkUpdate(catalog: PriceCatalog, variables: Variables) {
  const { productId } = variables;
  if (typeof productId !== 'string')
    throw new GraphqlError('Variable $productId of type ID! was provided invalid value');
  const partial = variables.allowPartialUpdates === true;
  const inputs = inputArray(variables.variants, INVALID_BULK_INPUT).map(readBulkVariant);
  const userErrors: VariantsBulkUserError[] = [];
  const changes: CheckedChange[] = [];
  if (!catalog.hasProduct(productId)) {
    userErrors.push({
      code: 'PRODUCT_DOES_NOT_EXIST',
      field: ['productId'],
      message: 'Product does not exist',
    });
  } else {
    inputs.forEach((input, i) => {
      const checked = checkVariant(catalog, productId, input, i);
      if (Array.isArray(checked)) userErrors.push(...checked);
      else changes.push(checked);
    });
  }
  const apply = catalog.hasProduct(productId) && (partial || userErrors.length === 0) ? changes : [];
  for (const { variant, price, compareAtPrice } of apply) {
    if (price !== undefined) variant.price = price;
    if (compareAtPrice !== undefined) variant.compareAtPrice = compareAtPrice;
  }
  catalog.priceUpdates.push({
    productId,
    allowPartialUpdates: partial,
    variants: inputs.map((input) => ({ ...input, sku: catalog.variant(input.id)?.sku ?? null })),
    applied: apply.map((c) => c.variant.id),
    userErrors,
  });
  return { apply, userErrors };
}

/** A ProductVariant as the price documents select it. */
export function priceNode(catalog: PriceCatalog, variant: PricedVariant) {
  return {
    id: variant.id,
    sku: variant.sku,
    price: formatMinor(variant.price, catalog.digits),
    compareAtPrice:
      variant.compareAtPrice === null ? null : formatMinor(variant.compareAtPrice, catalog.digits),
    product: { id: variant.productId },
  };
}

const INVALID_IDS = 'Variable $ids of type [ID!]! was provided invalid value';
/** A variant with its product and two scalars. */
const PRICED_VARIANT_COST = 2;

/** The price operations, over whatever holds the catalogue. */
export function priceOperations<O>(
  catalogOf: (office: O) => PriceCatalog,
): Record<string, AdminOperation<O>> {
  return {
    /** shop { currencyCode } nodes(ids) { … on ProductVariant { id sku price compareAtPrice product { id } } } */
    WaybillVariantPrices: {
      requestedCost: (v) => 1 + inputArray(v.ids, INVALID_IDS).length * PRICED_VARIANT_COST,
      run: (office, v) => {
        const catalog = catalogOf(office);
        const ids = inputArray(v.ids, INVALID_IDS);
        const nodes = ids.map((id) => {
          const variant = catalog.variant(id);
          return variant ? priceNode(catalog, variant) : null;
        });
        return {
          data: { shop: { currencyCode: catalog.currency }, nodes },
          actualCost: 1 + ids.length * PRICED_VARIANT_COST,
          userErrors: false,
        };
      },
    },
    /** productVariantsBulkUpdate(productId, variants, allowPartialUpdates) { productVariants { … } userErrors { … } } */
    WaybillVariantPricesSet: {
      requestedCost: () => MUTATION_COST,
      userErrorRoot: 'productVariantsBulkUpdate',
      run: (office, v) => {
        const catalog = catalogOf(office);
        const { apply, userErrors } = bulkUpdate(catalog, v);
        const productVariants = apply.map((c) => priceNode(catalog, c.variant));
        return {
          data: { productVariantsBulkUpdate: { productVariants, userErrors } },
          actualCost: MUTATION_COST,
          userErrors: userErrors.length > 0,
        };
      },
    },
  };
}

// Prices travel as integers in the currency's minor unit (cents, yen) and are only turned into
// text at the edge, in the customer's locale.

const MINOR_UNITS = { EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, KRW: 0 };

/** Decimal places of `currency` (2 for EUR, 0 for JPY). */
export function minorUnits(currency) {
  const places = MINOR_UNITS[currency.toUpperCase()];
  if (places === undefined) throw new RangeError(`unsupported currency: ${currency}`);
  return places;
}

/** Text for `amountMinor` minor units of `currency`, e.g. formatPrice(123450, "EUR", "de-DE"). */
export function formatPrice(amountMinor, currency, locale = "en-US") {
  if (!Number.isInteger(amountMinor)) {
    throw new TypeError(`amount must be an integer number of minor units, got ${amountMinor}`);
  }
  const places = minorUnits(currency);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  }).format(amountMinor / 10 ** places);
}

/** Minor units for a price typed by a user ("12.5" EUR -> 1250), refusing extra decimals. */
export function parsePrice(text, currency) {
  const places = minorUnits(currency);
  const match = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!match || (match[2] ?? "").length > places) {
    throw new RangeError(`not a ${currency} amount: ${JSON.stringify(text)}`);
  }
  const fraction = (match[2] ?? "").padEnd(places, "0");
  return Number(match[1]) * 10 ** places + Number(fraction || 0);
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatPrice, minorUnits, parsePrice } from "../src/money.js";

describe("formatPrice", () => {
  const cases = [
    [123450, "EUR", "de-DE", "1.234,50 €"],
    [123450, "USD", "en-US", "$1,234.50"],
    [1235, "JPY", "ja-JP", "￥1,235"],
    [5, "GBP", "en-GB", "£0.05"],
  ];
  for (const [amount, currency, locale, expected] of cases) {
    it(`formats ${amount} ${currency} in ${locale}`, () => {
      assert.equal(formatPrice(amount, currency, locale).replace(/\u00a0/g, " "), expected);
    });
  }

  it("refuses fractional minor units", () => {
    assert.throws(() => formatPrice(12.5, "EUR"), TypeError);
  });

  it("right-to-left locales use their own digits", { skip: "waiting for the Arabic shop launch" }, () => {
    assert.equal(formatPrice(1000, "EUR", "ar-EG"), "١٠٫٠٠ €");
  });
});

describe("parsePrice", () => {
  it("reads whole and decimal amounts", () => {
    assert.equal(parsePrice("12.5", "EUR"), 1250);
    assert.equal(parsePrice(" 7 ", "USD"), 700);
    assert.equal(parsePrice("1500", "JPY"), 1500);
  });

  it("refuses more decimals than the currency has", () => {
    assert.throws(() => parsePrice("15.5", "JPY"), /not a JPY amount/);
    assert.throws(() => parsePrice("1.999", "EUR"), RangeError);
  });

  it("knows each currency's minor unit", () => {
    assert.deepEqual(["EUR", "jpy"].map(minorUnits), [2, 0]);
    assert.throws(() => minorUnits("XYZ"), /unsupported currency/);
  });
});

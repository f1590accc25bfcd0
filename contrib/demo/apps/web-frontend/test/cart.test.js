import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";

import { Cart } from "../src/cart.js";

describe("Cart", () => {
  let cart;
  beforeEach(() => {
    cart = new Cart("EUR", { taxRate: 0.19 });
    cart.add("KB-001", 8999);
    cart.add("MS-010", 2450, 2);
  });

  it("counts items and sums lines", () => {
    assert.equal(cart.itemCount, 3);
    assert.equal(cart.subtotal, 13899);
  });

  it("adding the same product again raises its quantity", () => {
    cart.add("KB-001", 8999);
    assert.equal(cart.lines.get("KB-001").quantity, 2);
  });

  it("quantity 0 removes the line", () => {
    cart.setQuantity("MS-010", 0);
    assert.deepEqual([...cart.lines.keys()], ["KB-001"]);
  });

  it("taxes the discounted amount", () => {
    cart.applyCoupon({ percent: 10 });
    assert.equal(cart.discount, 1390);
    assert.equal(cart.total, 12509 + 2377);
  });

  it("a fixed coupon never makes the total negative", () => {
    cart.applyCoupon({ amount: 50000 });
    assert.equal(cart.total, 0);
  });

  it("summarises for the checkout page", () => {
    const summary = new Cart("JPY").summary("ja-JP");
    assert.deepEqual(summary, { lines: [], total: "￥0" });
  });
});

// The shopping cart shown in the shop's header and on the checkout page.

import { formatPrice } from "./money.js";

/** A cart in one currency: lines of SKU, unit price (minor units) and quantity, plus a coupon. */
export class Cart {
  constructor(currency, { taxRate = 0 } = {}) {
    this.currency = currency;
    this.taxRate = taxRate;
    this.lines = new Map();
    this.coupon = null;
  }

  /** Add `quantity` of a product; adding the same SKU again raises its quantity. */
  add(sku, unitPrice, quantity = 1) {
    if (!Number.isInteger(quantity) || quantity <= 0) {
      throw new RangeError(`quantity must be a positive integer, got ${quantity}`);
    }
    const line = this.lines.get(sku) ?? { sku, unitPrice, quantity: 0 };
    line.quantity += quantity;
    this.lines.set(sku, line);
  }

  /** Set a line's quantity; 0 removes the line. */
  setQuantity(sku, quantity) {
    if (quantity === 0) this.lines.delete(sku);
    else if (this.lines.has(sku)) this.lines.get(sku).quantity = quantity;
    else throw new RangeError(`${sku} is not in the cart`);
  }

  /** Number of items, as shown on the cart badge. */
  get itemCount() {
    let count = 0;
    for (const line of this.lines.values()) count += line.quantity;
    return count;
  }

  /** Sum of the lines before discount and tax. */
  get subtotal() {
    let sum = 0;
    for (const line of this.lines.values()) sum += line.unitPrice * line.quantity;
    return sum;
  }

  /** Apply `{ percent }` or `{ amount }` (minor units) off the subtotal. */
  applyCoupon(coupon) {
    this.coupon = coupon;
  }

  /** What the coupon takes off: never more than the subtotal. */
  get discount() {
    if (!this.coupon) return 0;
    const off = this.coupon.percent
      ? Math.round((this.subtotal * this.coupon.percent) / 100)
      : this.coupon.amount;
    return Math.min(off, this.subtotal);
  }

  /** Subtotal minus discount, plus tax on the discounted amount. */
  get total() {
    const net = this.subtotal - this.discount;
    return net + Math.round(net * this.taxRate);
  }

  /** The lines and total as the checkout page shows them. */
  summary(locale = "en-US") {
    const price = (amount) => formatPrice(amount, this.currency, locale);
    return {
      lines: [...this.lines.values()].map(
        (line) => `${line.quantity} × ${line.sku}: ${price(line.unitPrice * line.quantity)}`,
      ),
      total: price(this.total),
    };
  }
}

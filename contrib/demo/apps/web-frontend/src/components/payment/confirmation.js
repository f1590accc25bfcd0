// The payment confirmation the shop shows once the payment service has taken a payment.

export function confirmation({ paymentId, amount, currency = "EUR" }) {
  if (!paymentId) {
    throw new Error("a confirmation needs the payment's id");
  }
  return {
    title: "Thank you for your order",
    reference: `Payment ${paymentId}`,
    total: amount ? `${amount} ${currency}` : "",
  };
}

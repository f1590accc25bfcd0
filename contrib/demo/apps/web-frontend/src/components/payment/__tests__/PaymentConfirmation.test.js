// The last step of the end-to-end payment flow: the payment id the payment service's test
// returned arrives in $ORCH_INPUTS (orch.yaml's data_flow); outside the flow there is none.
import assert from "node:assert/strict";
import fs from "node:fs";
import { test } from "node:test";

import { confirmation } from "../confirmation.js";

const inputs = process.env.ORCH_INPUTS
  ? JSON.parse(fs.readFileSync(process.env.ORCH_INPUTS, "utf8"))
  : null;

test("the confirmation shows the payment's id", { skip: !inputs && "runs in the payment flow" }, () => {
  const shown = confirmation({ paymentId: inputs.payment_id, amount: inputs.amount });
  assert.match(inputs.payment_id, /^pay-ch_\d+$/);
  assert.equal(shown.reference, `Payment ${inputs.payment_id}`);
  assert.equal(shown.total, `${inputs.amount} EUR`);
});

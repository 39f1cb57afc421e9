// Checks a Standard Webhooks signature with the specification's own npm library, so the portal's signer is
// tested against an implementation it shares no code with.
//
//   node verify.mjs <webhook-id> <webhook-timestamp> <webhook-signature> <secret>  < body
//
// Exits 0 when `new Webhook(secret).verify(body, headers)` accepts the message, 1 otherwise (reason on stderr).
// The library checks the timestamp against the current clock (5 minutes' tolerance), so sign with the time now.
import { Webhook } from "standardwebhooks";

const [id, timestamp, signature, secret] = process.argv.slice(2);
if (secret === undefined) {
  console.error("usage: node verify.mjs <webhook-id> <webhook-timestamp> <webhook-signature> <secret> < body");
  process.exit(2);
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const body = Buffer.concat(chunks).toString("utf8");

try {
  new Webhook(secret).verify(body, {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": signature,
  });
  process.exit(0);
} catch (error) {
  console.error(`rejected: ${error.message}`);
  process.exit(1);
}

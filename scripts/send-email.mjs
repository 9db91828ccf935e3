// `npm run email -- <file.eml> [--to alias@domain] [--from addr]`: delivers a raw message to the
// local server's email() handler (wrangler's /cdn-cgi/local/email endpoint), waits for the run it
// starts, and prints the threaded reply Baton recorded.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import PostalMime from 'postal-mime';
import { api, baseUrl, sleep } from './lib.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    to: { type: 'string', default: 'competitor-intel@baton.local' },
    from: { type: 'string' },
    timeout: { type: 'string', default: '120' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: npm run email -- <file.eml> [--to alias@domain] [--from sender@domain]');
  process.exit(2);
}

let raw = readFileSync(positionals[0]);
let parsed = await PostalMime.parse(raw);
if (!parsed.messageId) {
  const messageId = `<${randomUUID()}@baton.local>`;
  raw = Buffer.concat([Buffer.from(`Message-ID: ${messageId}\r\n`), raw]);
  parsed = await PostalMime.parse(raw);
  console.log(`The message had no Message-ID (wrangler requires one); added ${messageId}.`);
}
const from = values.from ?? parsed.from?.address ?? 'you@example.com';
const url = `${baseUrl()}/cdn-cgi/local/email?${new URLSearchParams({ from, to: values.to, format: 'json' })}`;
const res = await fetch(url, { method: 'POST', body: raw });
console.log(`Delivered ${positionals[0]} from ${from} to ${values.to}: HTTP ${res.status} ${await res.text()}`);

const deadline = Date.now() + Number(values.timeout) * 1000;
let inbound;
while (!inbound && Date.now() < deadline) {
  const { messages } = await api('/messages?direction=inbound&limit=50');
  inbound = messages.find((m) => m.messageId === parsed.messageId);
  if (!inbound) await sleep(200);
}
if (!inbound) throw new Error('the message was not recorded; is `npm start` running?');
console.log(`Recorded inbound message: ${inbound.status}${inbound.reason ? ` (${inbound.reason})` : ''}`);
if (!inbound.runId) process.exit(inbound.status === 'duplicate' ? 0 : 1);

let run;
do {
  run = await api(`/runs/${inbound.runId}`);
  if (['completed', 'failed', 'cancelled'].includes(run.status)) break;
  await sleep(300);
} while (Date.now() < deadline);
console.log(`Run ${run.id}: ${run.status}; steps ${run.steps.map((s) => `${s.id}=${s.status}`).join(', ')}`);

let reply;
while (!reply && Date.now() < deadline) {
  reply = (await api(`/runs/${run.id}/messages`)).find((m) => m.direction === 'outbound');
  if (!reply) await sleep(200);
}
if (!reply) throw new Error('no reply was recorded');
const mail = await PostalMime.parse(reply.raw);
console.log(
  `\nReply (${reply.status}) — GET /api/runs/${run.id}/messages\nFrom: ${reply.from}\nTo: ${reply.to}\nSubject: ${mail.subject}\nMessage-ID: ${mail.messageId}\nIn-Reply-To: ${mail.inReplyTo}\nReferences: ${mail.references}\n\n${mail.text}`,
);

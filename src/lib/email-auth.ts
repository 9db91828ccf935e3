import parseAuthResults, { type ParsedResults } from 'mailauth/lib/parse-dkim-headers.js';
import { getDomain } from 'tldts';

/**
 * Whether an inbound message's `From:` is authenticated, by the verdicts its receiving MTA wrote
 * (Cloudflare Email Routing writes `ARC-Authentication-Results`, RFC 8617 §4.1.1; others write
 * `Authentication-Results`, RFC 8601). Only the topmost such field counts, and only when its
 * authserv-id is trusted: the receiving MTA prepends its own, so anything below it came with the
 * message and may be forged (RFC 8601 §5). A topmost field that is too long, does not parse or is
 * not trusted fails: nothing lower down is believed instead. The sender counts as authenticated when DMARC passed for the `From:` domain, or DKIM or SPF
 * passed for a domain aligned with it (relaxed alignment: the same organizational domain by the
 * Public Suffix List, RFC 7489 §3.1); an explicit `dmarc=fail` always fails.
 */
export type SenderAuth =
  | { pass: true; method: 'dmarc' | 'dkim' | 'spf'; domain: string; authservId: string }
  | { pass: false; reason: string };

/** A header as postal-mime gives it: lower-case key, value. */
export interface AuthHeader {
  key: string;
  value: string;
}

/** Fields longer than this are not parsed (a real verdict is a few hundred bytes), characters. */
export const MAX_AUTH_RESULTS_CHARS = 8192;
const FIELDS = new Set(['authentication-results', 'arc-authentication-results']);

/**
 * @param headers the message's header fields in order, topmost first.
 * @param fromDomain the domain of the `From:` address (RFC 5322 §3.6.2).
 * @param trustedIds the authserv-ids whose verdicts are believed, lower case (e.g. `mx.cloudflare.net`).
 * @returns the verdict; `reason` says what failed, for the message log.
 */
export function senderAuth(
  headers: readonly AuthHeader[],
  fromDomain: string,
  trustedIds: readonly string[],
): SenderAuth {
  const from = fromDomain.trim().toLowerCase();
  if (!from) return { pass: false, reason: 'the message has no From: address' };
  if (!/^[\p{L}\p{N}.-]+$/u.test(from))
    return { pass: false, reason: `the From: domain ${JSON.stringify(from.slice(0, 100))} is not a domain name` };
  if (headers.filter((h) => h.key === 'from').length > 1)
    return { pass: false, reason: 'the message has several From: fields (RFC 7489 §6.6.1)' };
  const found = topmostVerdict(headers, trustedIds);
  if ('reason' in found) return { pass: false, reason: found.reason };
  const { parsed, authservId } = found;
  const dmarc = resultOf(parsed.dmarc?.value);
  if (dmarc === 'fail') return { pass: false, reason: `dmarc=fail for ${from} (by ${authservId})` };
  if (dmarc === 'pass' && (parsed.dmarc?.header?.from ?? '').toLowerCase() === from)
    return { pass: true, method: 'dmarc', domain: from, authservId };
  for (const dkim of parsed.dkim ?? []) {
    const d = (dkim.header?.d ?? dkim.header?.i?.split('@').pop() ?? '').toLowerCase();
    if (resultOf(dkim.value) === 'pass' && aligned(d, from))
      return { pass: true, method: 'dkim', domain: d, authservId };
  }
  const mailFrom = (parsed.spf?.smtp?.mailfrom ?? '').toLowerCase();
  const spfDomain = mailFrom.slice(mailFrom.lastIndexOf('@') + 1);
  if (resultOf(parsed.spf?.value) === 'pass' && aligned(spfDomain, from))
    return { pass: true, method: 'spf', domain: spfDomain, authservId };
  const dkims = (parsed.dkim ?? []).map(
    (d) => `dkim=${resultOf(d.value) || 'none'}${d.header?.d ? ` (d=${d.header.d})` : ''}`,
  );
  const seen = [
    ...(dkims.length ? dkims : ['dkim=none']),
    `spf=${resultOf(parsed.spf?.value) || 'none'}${spfDomain ? ` (${spfDomain})` : ''}`,
  ];
  return { pass: false, reason: `${seen.join(', ')}: neither passes aligned with ${from} (by ${authservId})` };
}

/** The topmost authentication-results field, parsed, when its authserv-id is trusted; else why not. */
function topmostVerdict(
  headers: readonly AuthHeader[],
  trustedIds: readonly string[],
): { parsed: ParsedResults; authservId: string } | { reason: string } {
  const header = headers.find((h) => FIELDS.has(h.key));
  const trusted = trustedIds.join(' or ');
  if (!header) return { reason: `no Authentication-Results from ${trusted}` };
  if (header.value.length > MAX_AUTH_RESULTS_CHARS)
    return { reason: `the topmost ${header.key} is longer than ${MAX_AUTH_RESULTS_CHARS} characters` };
  let parsed: ParsedResults;
  try {
    parsed = parseAuthResults(`${header.key}: ${header.value}`).parsed;
  } catch {
    return { reason: `the topmost ${header.key} does not parse` };
  }
  const authservId = String(parsed.value ?? '').toLowerCase();
  if (!trustedIds.includes(authservId))
    return { reason: `the topmost ${header.key} is by ${JSON.stringify(authservId.slice(0, 100))}, not ${trusted}` };
  return { parsed, authservId };
}

/** A result keyword (RFC 8601 §2.7), lower case; '' when absent. */
function resultOf(value: unknown): string {
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
}

/** Relaxed identifier alignment (RFC 7489 §3.1): both names share the organizational domain. */
export function aligned(domain: string, fromDomain: string): boolean {
  if (!domain || !fromDomain) return false;
  if (domain === fromDomain) return true;
  const org = getDomain(domain, { allowPrivateDomains: true });
  return org !== null && org === getDomain(fromDomain, { allowPrivateDomains: true });
}

import { z } from 'zod';

/**
 * Where Baton may send requests (http agents, openai `baseUrl`, `http:` and `mcp:` steps): the one
 * URL policy, checked at registration and again before every call. Only `http:` and `https:`;
 * never a link-local address (IPv4 169.254.0.0/16, IPv6 fe80::/10, RFC 3927 / RFC 4291 §2.5.6,
 * also written IPv4-mapped or NAT64) or a cloud metadata endpoint, the classic SSRF targets.
 * Loopback and private addresses stay allowed: local agents are a normal setup.
 */
export const ALLOWED_URL_SCHEMES = ['http:', 'https:'] as const;

/** Cloud instance-metadata hosts besides the link-local range (GCP, AWS IPv6, Alibaba). */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'fd00:ec2::254', '100.100.100.200']);

/** An IPv4 address inside an IPv6 literal (`::ffff:a9fe:a9fe`, `64:ff9b::a9fe:a9fe`), dotted. */
function embeddedIpv4(host: string): string | null {
  const m = /^(?:::ffff:|64:ff9b::)(?:([0-9a-f]{1,4}):([0-9a-f]{1,4})|(\d+\.\d+\.\d+\.\d+))$/.exec(host);
  if (!m) return null;
  if (m[3]) return m[3];
  const [hi, lo] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Why `host` (a WHATWG URL's normalised hostname) may not be called, or null. */
function hostProblem(hostname: string): string | null {
  const host = hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : embeddedIpv4(host);
  if (METADATA_HOSTS.has(host) || (ipv4 && METADATA_HOSTS.has(ipv4)))
    return `the host ${hostname} is a cloud metadata endpoint`;
  if (ipv4?.startsWith('169.254.') || /^fe[89ab][0-9a-f]:/.test(host))
    return `the host ${hostname} is a link-local address`;
  return null;
}

/**
 * Checks a URL against the policy. The WHATWG URL parser normalises hosts first, so spellings such
 * as `http://0xA9FEA9FE/` or `http://[FE80::1]/` are caught as what they mean.
 * @returns why the URL may not be called (naming the scheme or host), or null when it may.
 */
export function outboundUrlProblem(url: string | URL): string | null {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return 'not a valid URL';
  }
  if (!(ALLOWED_URL_SCHEMES as readonly string[]).includes(parsed.protocol)) {
    return `the scheme '${parsed.protocol}' is not allowed (only http: and https:)`;
  }
  return hostProblem(parsed.hostname);
}

/** A URL string that passes {@link outboundUrlProblem}; the issue says why not. */
export const OutboundUrl = z.string().superRefine((value, ctx) => {
  const problem = outboundUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * A URL that may contain `{{ … }}` templates: checked now when it is literal, else after rendering
 * (the step then fails with `url_not_allowed`).
 */
export const OutboundUrlTemplate = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    const problem = value.includes('{{') ? null : outboundUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

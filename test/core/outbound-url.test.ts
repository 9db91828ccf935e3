import { describe, expect, it } from 'vitest';
import { outboundUrlProblem } from '../../src/schemas/outbound-url';

describe('outbound URL policy', () => {
  it.each([
    ['https://api.example.com/v1', null],
    ['http://127.0.0.1:8787/agents/x', null],
    ['http://10.0.0.7/x', null],
    ['http://[::1]:9/x', null],
    ['http://169.254.170.2/v2/credentials', 'the host 169.254.170.2 is a link-local address'],
    ['http://2852039166/latest', 'the host 169.254.169.254 is a link-local address'],
    ['http://169.254.169.254./latest', 'the host 169.254.169.254 is a link-local address'],
    ['http://[64:ff9b::169.254.169.254]/', 'the host [64:ff9b::a9fe:a9fe] is a link-local address'],
    ['http://[febf::1]/', 'the host [febf::1] is a link-local address'],
    ['http://[fec0::1]/', null],
    ['http://METADATA.google.internal/', 'the host metadata.google.internal is a cloud metadata endpoint'],
    ['http://100.100.100.200/latest/meta-data/', 'the host 100.100.100.200 is a cloud metadata endpoint'],
    ['javascript:alert(1)', "the scheme 'javascript:' is not allowed (only http: and https:)"],
    ['ws://agents.example.com/', "the scheme 'ws:' is not allowed (only http: and https:)"],
    ['not a url', 'not a valid URL'],
  ])('%s → %s', (url, problem) => {
    expect(outboundUrlProblem(url)).toBe(problem);
  });
});

/**
 * Types of the one file of mailauth (https://github.com/postalsys/mailauth, MIT) Baton uses: its
 * header parser, which reads Authentication-Results and ARC-Authentication-Results by the grammar of
 * RFC 8601 §2.2 (comments, quoted strings, `ptype.property=value`). It has no Node dependencies.
 */
declare module 'mailauth/lib/parse-dkim-headers.js' {
  /** One `method=result` of an Authentication-Results value, with its properties by ptype. */
  export interface ResInfo {
    value?: string;
    comment?: string;
    header?: Record<string, string | undefined>;
    smtp?: Record<string, string | undefined>;
    [ptype: string]: unknown;
  }
  /** A parsed value: `value` is the authserv-id; `dkim` is a list (a message may carry several signatures). */
  export interface ParsedResults {
    header?: string;
    value?: string;
    dkim?: ResInfo[];
    spf?: ResInfo;
    dmarc?: ResInfo;
    [method: string]: unknown;
  }
  /** Parses `Name: value` (or a bare value) of one header field. */
  export default function headerParser(line: string): { parsed: ParsedResults; original: string };
}

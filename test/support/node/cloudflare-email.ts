/**
 * `cloudflare:email` for the plain-Node unit run (vitest.unit.config.ts alias): lets modules that
 * name `EmailMessage` load (e.g. the Hono app, for its OpenAPI document); sending mail is workerd's
 * job, so constructing one here throws.
 */
export class EmailMessage {
  constructor() {
    throw new Error('EmailMessage exists only inside workerd; this test runs in plain Node');
  }
}

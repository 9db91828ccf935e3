import { OpenAPIHono } from '@hono/zod-openapi';
import { BatonError } from '../core/errors';
import { zodIssues } from '../core/definition';
import type { AppEnv } from '../adapter/cloudflare/env';
import type { AuthVars } from './middleware/auth';

export type HonoEnv = { Bindings: AppEnv; Variables: AuthVars };

/**
 * A router whose request validation failures answer CONTRACT.md's error shape
 * (`bad_request`, with `details.issues` located by path; the message names the first).
 */
export function router() {
  return new OpenAPIHono<HonoEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = zodIssues(result.error).map((i) => ({ ...i, path: `${result.target}.${i.path}` }));
        const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
        throw new BatonError(
          'bad_request',
          `invalid ${result.target}${issues[0] ? `: ${issues[0].path}: ${issues[0].message}${more}` : ''}`,
          { issues },
        );
      }
    },
  });
}

import { OpenAPIHono } from '@hono/zod-openapi';
import { BatonError } from '../core/errors';
import { zodIssues } from '../core/definition';
import type { AppEnv } from '../env';
import type { AuthVars } from './middleware/auth';

export type HonoEnv = { Bindings: AppEnv; Variables: AuthVars };

/**
 * A router whose request validation failures answer CONTRACT.md's error shape
 * (`bad_request`, with `details.issues` located by path).
 */
export function router() {
  return new OpenAPIHono<HonoEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new BatonError('bad_request', `invalid ${result.target}`, { issues: zodIssues(result.error).map((i) => ({ ...i, path: `${result.target}.${i.path}` })) });
      }
    },
  });
}

import { z } from 'zod';
import { Iso } from './common';

/** One person's judgement of a run (issue 20: feedback). */
export const Feedback = z
  .object({
    id: z.string(),
    runId: z.string(),
    rating: z.enum(['up', 'down']),
    comment: z.string().nullable(),
    source: z.enum(['email', 'dashboard', 'api']).describe('email: a 👍/👎 reply to the result email'),
    by: z.string().describe("The sender's address, a member's email, or key:<name>"),
    createdAt: Iso,
  })
  .openapi('Feedback');
export type Feedback = z.infer<typeof Feedback>;

/** `POST /api/runs/:id/feedback`. */
export const GiveFeedback = z.object({
  rating: z.enum(['up', 'down']),
  comment: z.string().max(2000).optional(),
});

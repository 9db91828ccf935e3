import { z } from 'zod';
import { MessageDirection, MessageStatus } from '../enums';
import { Iso } from './common';

/* Recorded emails. */

/** A recorded email, as `GET /api/messages` lists it. */
export const Message = z
  .object({
    id: z.string(),
    direction: MessageDirection,
    status: MessageStatus,
    reason: z.string().optional(),
    runId: z.string().optional(),
    workflow: z.string().optional(),
    from: z.string(),
    to: z.string(),
    subject: z.string().nullable(),
    messageId: z.string().nullable(),
    deliveredMessageId: z
      .string()
      .optional()
      .describe("Outbound: the Message-ID the mail binding delivered with, when it replaced Baton's"),
    date: Iso,
    recordedAt: Iso,
  })
  .openapi('Message');
export type Message = z.infer<typeof Message>;

/** A recorded email with its threading headers and raw source (null when withheld from a non-admin, or not kept). */
export const MessageDetail = z
  .object({
    ...Message.shape,
    inReplyTo: z.string().nullable(),
    references: z.string().nullable(),
    raw: z.string().nullable(),
  })
  .openapi('MessageDetail');
export type MessageDetail = z.infer<typeof MessageDetail>;

export const MessageList = z
  .object({ messages: z.array(Message), nextCursor: z.string().nullable() })
  .openapi('MessageList');

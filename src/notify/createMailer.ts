// The SMTP side of notifications: one nodemailer transport per runner, built from CONFLAG_SMTP_URL. Connecting and
// the greeting time out quickly (CONFLAG_SMTP_TIMEOUT_SECONDS: a server that is down); once the conversation is
// under way the server may take its time (CONFLAG_SMTP_REPLY_TIMEOUT_SECONDS, 10 minutes as RFC 5321 asks), because
// a client that gives up on a slow server's answer gets the message delivered anyway and sends it again. Each
// attempt is aborted at a hard deadline (the socket closed), which the claim's lease outlasts (emailConfig.ts): an
// e-mail is never sent by two attempts at once. Every message gets a Message-ID derived from its outbox row, so the
// rare second delivery carries the same Message-ID.
import nodemailer from 'nodemailer';
import type { EmailConfig } from './emailConfig.ts';
import type { ClaimedEmail } from './outboxQueries.ts';

export interface Mailer {
  /** Resolves with the Message-ID once the server accepted the message for at least one recipient. */
  send(email: ClaimedEmail, from: string): Promise<{ messageId: string; rejected: string[] }>;
  close(): void;
}

export function createMailer(config: EmailConfig & { smtpUrl: string }): Mailer {
  const transport = nodemailer.createTransport({
    url: config.smtpUrl,
    connectionTimeout: config.smtpTimeoutMs,
    greetingTimeout: config.smtpTimeoutMs,
    socketTimeout: config.replyTimeoutMs,
  });
  return {
    async send(email, from) {
      const info = await transport.sendMail({
        // nodemailer closes the connection when this fires (its typings do not list the option yet).
        ...({ signal: AbortSignal.timeout(config.sendDeadlineMs) } as object),
        from,
        to: email.recipients,
        subject: email.subject,
        text: email.body,
        messageId: `<conflag-email-${email.id}-run-${email.runId}@${domainOf(from)}>`,
        headers: {
          'X-Conflag-Run': email.runId,
          ...(email.jobId ? { 'X-Conflag-Job': email.jobId } : {}),
          'Auto-Submitted': 'auto-generated',
        },
      });
      return { messageId: info.messageId, rejected: (info.rejected ?? []).map(String) };
    },
    close: () => transport.close(),
  };
}

/** The domain of a sender such as "Conflag <conflag@example.com>", for Message-IDs. */
function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'conflag.invalid';
}

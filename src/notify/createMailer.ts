// The SMTP side of notifications: one nodemailer transport per runner, built from CONFLAG_SMTP_URL, with
// timeouts short enough that a silent mail server cannot hold an e-mail past its lease (emailConfig.ts).
// Every message gets a Message-ID derived from its outbox row, so the rare second delivery (a runner died
// after the server accepted the message, before it could record that) carries the same Message-ID.
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
    socketTimeout: config.smtpTimeoutMs,
  });
  return {
    async send(email, from) {
      const info = await transport.sendMail({
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

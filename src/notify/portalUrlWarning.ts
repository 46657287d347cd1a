// Issue 3: "while the web portal URL is unset the runner logs a warning" — only while e-mail is enabled
// (settings.email_enabled), since the URL is used for the links in notification e-mails and nothing else; a
// warning about e-mails nobody sends taught newcomers to ignore the log. Checked when the runner starts and on
// every schedule reconcile; repeated at most once per repeatMs while it stays unset (every reconcile of every
// runner would otherwise put the same line in the log every minute), and again at once after it was set (or
// e-mail disabled) and then unset (or enabled) again.
import type pg from 'pg';
import type { Logger } from '../log.ts';

export const PORTAL_URL_WARNING =
  "conflag.settings.portal_url is not set: notification e-mails will have no links to the jobs; set it with UPDATE conflag.settings SET portal_url = 'https://recordings.example.com'";

export interface PortalUrlCheck {
  /** Reads the setting and warns when it is unset while e-mail is enabled (rate-limited). Returns the URL (null when unset). */
  check(db: pg.Pool | pg.ClientBase): Promise<string | null>;
}

export function createPortalUrlCheck(log: Logger, options: { repeatMs?: number; clock?: () => number } = {}): PortalUrlCheck {
  const repeatMs = options.repeatMs ?? 3_600_000;
  const clock = options.clock ?? Date.now;
  let lastWarnedAt: number | null = null;
  return {
    async check(db) {
      const { rows } = await db.query<{ portal_url: string | null; email_enabled: boolean }>(
        'SELECT portal_url, email_enabled FROM conflag.settings',
      );
      const portalUrl = rows[0]?.portal_url ?? null;
      if (portalUrl !== null || rows[0]?.email_enabled !== true) {
        lastWarnedAt = null;
        return portalUrl;
      }
      if (lastWarnedAt === null || clock() - lastWarnedAt >= repeatMs) {
        lastWarnedAt = clock();
        log.warn({ setting: 'conflag.settings.portal_url', emailEnabled: true }, PORTAL_URL_WARNING);
      }
      return null;
    },
  };
}

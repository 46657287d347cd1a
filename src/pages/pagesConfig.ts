// Where the runner's HTTP server listens and whether its pages need a token (README "Configuration",
// docs/operations.md "Job pages"). Loopback by default: only this machine can read the pages. Bound to any other
// address the pages show job settings and call data to the network, so a token is then required — a start
// without one is refused rather than serving them openly. /health and /metrics never need it.
import { type Env } from '../envValues.ts';

export interface PagesConfig {
  /** CONFLAG_HTTP_HOST: the address the HTTP server binds to. */
  host: string;
  /** CONFLAG_HTTP_TOKEN: required on every page when set (Bearer, or the password of HTTP Basic). */
  token: string | null;
}

const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

export function readPagesConfig(env: Env = process.env): PagesConfig {
  const host = env.CONFLAG_HTTP_HOST || '127.0.0.1';
  const token = env.CONFLAG_HTTP_TOKEN || null;
  if (token !== null && token.length < 16) {
    throw new Error('CONFLAG_HTTP_TOKEN is too short; use at least 16 characters, e.g. the output of: openssl rand -hex 32');
  }
  if (!LOOPBACK.test(host) && token === null) {
    throw new Error(
      `CONFLAG_HTTP_HOST=${JSON.stringify(host)} serves the job pages beyond this machine, so CONFLAG_HTTP_TOKEN must be set ` +
        '(at least 16 characters, e.g. openssl rand -hex 32); or leave CONFLAG_HTTP_HOST unset to listen on 127.0.0.1 only.',
    );
  }
  return { host, token };
}

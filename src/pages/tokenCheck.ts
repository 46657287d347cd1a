// The page token, compared in constant time: both sides are hashed to 32 bytes first, so neither the content nor
// the length of the expected token shows in the comparison's timing. Accepted as `Authorization: Bearer <token>`
// (scripts) or as the password of HTTP Basic with any user name (browsers ask for it).
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export function presentedToken(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

export function tokenMatches(authorization: string | undefined, expected: string): boolean {
  const presented = presentedToken(authorization);
  // Compare even when nothing was presented, so a missing header takes as long as a wrong one.
  const same = timingSafeEqual(digest(presented ?? ''), digest(expected));
  return presented !== undefined && same;
}

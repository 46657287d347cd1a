// Paths into `custom`: the grammar conflag accepts (the database's validate_condition uses the same one) —
// `$` followed by 1 to 10 segments, each `.identifier` or `[index]` — parsed into segments the compiler binds
// as a text[] (never spliced into SQL).
import type { PathSegment } from './types.ts';

export const MAX_PATH_SEGMENTS = 10;
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(0|[1-9][0-9]{0,3})\]/y;

/** The segments of a valid path, or undefined. */
export function parsePath(path: unknown): PathSegment[] | undefined {
  if (typeof path !== 'string' || !path.startsWith('$')) return undefined;
  const segments: PathSegment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const start = SEGMENT.lastIndex;
    const m = SEGMENT.exec(path);
    if (!m || m.index !== start) return undefined;
    segments.push(m[1] !== undefined ? { key: m[1] } : { index: Number(m[2]) });
  }
  return segments.length >= 1 && segments.length <= MAX_PATH_SEGMENTS ? segments : undefined;
}

/** The text[] elements for PostgreSQL's `#>` operator. */
export function pathElements(segments: PathSegment[]): string[] {
  return segments.map((s) => ('key' in s ? s.key : String(s.index)));
}

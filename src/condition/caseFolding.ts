// Case-insensitive matching: JavaScript's String.prototype.toLowerCase() (Unicode full lower-case mapping,
// locale-independent, with the Final_Sigma rule) on both sides. PostgreSQL's lower() agrees when it runs
// under an ICU collation ("und-x-icu", the root locale); libc lower() maps character by character (no
// İ → i̇, no final ς) and in the C locale only ASCII, so without ICU conflag documents the difference.
import { sql } from 'kysely';
import type { Expr } from './sqlParts.ts';
import type { Catalog } from './types.ts';

export function caseFolded(value: string): string {
  return value.toLowerCase();
}

export function lowerSql(x: Expr, catalog: Catalog): Expr {
  return catalog.icu ? sql`lower((${x}) COLLATE "und-x-icu")` : sql`lower(${x})`;
}

// Reads the attribute and operator catalogs the compiler works from: the attributes of the mapped recordings table
// (conflag.current_attributes). Attribute expressions are SQL the database accepted when they were written (a column,
// or an expression PostgreSQL proved reads only the row: conflag.check_attribute_expression); conditions only ever
// pick them by name.
import type pg from 'pg';
import type { Attribute, AttributeType, Catalog, OperatorInfo, ValueShape } from './types.ts';

export async function loadCatalog(db: pg.Pool | pg.ClientBase): Promise<Catalog> {
  // notNull: a plain `r.<column>` expression over a NOT NULL column of the recordings table (conflag.recording_source)
  // needs no NULL guard, which keeps predicates like `r.started_at < $1` index-friendly.
  const attributes = await db.query<{ name: string; type: AttributeType; expression: string; description: string; not_null: boolean; allowed_values: string[] | null }>(
    `SELECT a.name, a.type, a.expression, a.description, a.allowed_values,
            COALESCE((SELECT c.attnotnull FROM pg_catalog.pg_attribute c
                       WHERE c.attrelid = (SELECT to_regclass(format('%I.%I', s.table_schema, s.table_name)) FROM conflag.recording_source s)
                         AND NOT c.attisdropped
                         AND a.expression = 'r.' || c.attname), false) AS not_null
       FROM conflag.current_attributes a ORDER BY a.name`,
  );
  const operators = await db.query<{ name: string; types: AttributeType[]; value_shape: ValueShape; origin: OperatorInfo['origin']; description: string }>(
    `SELECT name, types, value_shape, origin, description FROM conflag.operators ORDER BY name`,
  );
  const icu = await db.query<{ icu: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collname = 'und-x-icu') AS icu`);
  return {
    icu: icu.rows[0].icu,
    attributes: new Map(
      attributes.rows.map((a): [string, Attribute] => [
        a.name,
        { name: a.name, type: a.type, expression: a.expression, description: a.description, notNull: a.not_null, ...(a.allowed_values ? { values: a.allowed_values } : {}) },
      ]),
    ),
    operators: new Map(
      operators.rows.map((o): [string, OperatorInfo] => [
        o.name,
        { name: o.name, types: o.types, valueShape: o.value_shape, origin: o.origin, description: o.description },
      ]),
    ),
  };
}

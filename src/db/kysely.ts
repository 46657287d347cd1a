// A compile-only Kysely for PostgreSQL: it never connects (DummyDriver). conflag builds SQL fragments with
// kysely's `sql` tag (values become $n placeholders) and turns them into `{ sql, parameters }` here, which
// node-postgres then runs — so the pools and transactions stay plain `pg`, and the text is PostgreSQL's.
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const compileOnly = new Kysely<any>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

export interface CompiledSql {
  sql: string;
  parameters: unknown[];
}

/** The SQL text and bind parameters of a fragment or whole statement built with kysely's `sql` tag. */
export function compileSql(fragment: RawBuilder<unknown>): CompiledSql {
  const compiled = fragment.compile(compileOnly);
  return { sql: compiled.sql, parameters: [...compiled.parameters] };
}

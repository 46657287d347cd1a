// Test helpers for the jobs area: run a statement that must fail and check its SQLSTATE and message.
import * as assert from 'uvu/assert';
import type pg from 'pg';

export interface ExpectedError {
  code: string;
  /** Substrings the message must contain (the field, the offending value, ...). */
  includes: string[];
}

/** Runs `work`, which must reject with a PostgreSQL error of `expected.code` whose message contains every
 * expected substring; returns the error for further checks. */
export async function expectDatabaseError(work: () => Promise<unknown>, expected: ExpectedError, label = ''): Promise<pg.DatabaseError> {
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  const error = caught as pg.DatabaseError | undefined;
  assert.ok(error, `${label}: expected SQLSTATE ${expected.code}, but the statement succeeded`);
  assert.is(error.code, expected.code, `${label}: SQLSTATE of "${error.message}"`);
  for (const part of expected.includes) {
    assert.ok(error.message.includes(part), `${label}: message should contain ${JSON.stringify(part)}: ${error.message}`);
  }
  return error;
}

/** A valid job row; tests override single columns. */
export function validJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: `job ${Math.random().toString(36).slice(2)}`,
    condition: { all: [{ fact: 'duration', operator: 'greaterThan', value: 7200 }] },
    action: 'set',
    ...overrides,
  };
}

/** INSERT INTO conflag.jobs with the given columns as bind parameters; returns the new row. */
export async function insertJob(db: pg.ClientBase | pg.Pool, row: Record<string, unknown>): Promise<Record<string, any>> {
  const columns = Object.keys(row);
  const values = columns.map((c) => (c === 'condition' && row[c] !== null ? JSON.stringify(row[c]) : row[c]));
  const { rows } = await db.query(
    `INSERT INTO conflag.jobs (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`,
    values,
  );
  return rows[0];
}

/** UPDATE conflag.jobs SET the given columns WHERE id = $id; returns the updated row. */
export async function updateJob(db: pg.ClientBase | pg.Pool, id: number | string, changes: Record<string, unknown>): Promise<Record<string, any>> {
  const columns = Object.keys(changes);
  const values = columns.map((c) => (c === 'condition' && changes[c] !== null ? JSON.stringify(changes[c]) : changes[c]));
  const { rows } = await db.query(
    `UPDATE conflag.jobs SET ${columns.map((c, i) => `${c} = $${i + 1}`).join(', ')} WHERE id = $${columns.length + 1} RETURNING *`,
    [...values, id],
  );
  return rows[0];
}

// COMMENT ON every table, column and function of the jobs area, so \d+ and \df+ explain them to a DBA.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';

const test = suite('jobs: comments');
test.after(closePools);

const TABLES = ['jobs', 'job_changes', 'settings', 'run_requests', 'job_precedence', 'job_predicates', 'attributes'];
const FUNCTIONS = [
  'validate_condition', 'validate_condition_node', 'validate_condition_leaf', 'condition_value_problem', 'schedule_cron',
  'crontab_field', 'crontab_parse', 'crontab_of', 'crontab_next_slot', 'schedule_ticks', 'schedule_next_ticks', 'schedule_problem',
  'zone_offset', 'zone_change_after', 'wall_instants', 'job_timezone', 'timezone_problem', 'closed_value_problem', 'js_number',
  'js_double', 'condition_conjuncts', 'leaves_contradict', 'leaf_values', 'conditions_disjoint', 'jobs_warn_conflicts',
  'job_precedence_validate', 'job_precedence_notify', 'job_selection_digest', 'job_conflict_counts', 'is_email_address', 'json_for_message', 'request_run', 'jobs_validate',
  'jobs_audit', 'jobs_notify', 'job_changes_guard', 'tenants_protect_scopes', 'settings_validate', 'settings_keep_one_row',
  'run_requests_notify',
];

test('every table, column and function of the jobs area has a comment', async () => {
  const { rows } = await openPool().query<{ object: string }>(
    `SELECT 'table ' || c.relname AS object FROM pg_class c
      WHERE c.oid = ANY (SELECT ('conflag.' || t)::regclass FROM unnest($1::text[]) t) AND obj_description(c.oid, 'pg_class') IS NULL
     UNION ALL
     SELECT 'column ' || c.relname || '.' || a.attname FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.oid = ANY (SELECT ('conflag.' || t)::regclass FROM unnest($1::text[]) t) AND col_description(c.oid, a.attnum) IS NULL
     UNION ALL
     SELECT 'function ' || f FROM unnest($2::text[]) f
      WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'conflag'::regnamespace AND p.proname = f
                           AND obj_description(p.oid, 'pg_proc') IS NOT NULL)`,
    [TABLES, FUNCTIONS],
  );
  assert.equal(rows.map((r) => r.object), []);
});

test.run();

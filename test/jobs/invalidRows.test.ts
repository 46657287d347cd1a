// Table-driven: each invalid job value is refused on INSERT and on UPDATE with its CF SQLSTATE and a message
// naming the field and the offending value.
import * as assert from 'uvu/assert';
import { closePools, openPool } from '../lib/db.ts';
import { suite } from '../lib/suite.ts';
import { expectDatabaseError, insertJob, updateJob, validJob } from './expectDatabaseError.ts';

interface Case {
  label: string;
  row: Record<string, unknown>;
  code: string;
  includes: string[];
  /** Paths the case applies to (default both). */
  only?: 'insert' | 'update';
}

const leaf = (fact: string, operator: string, value?: unknown, extra: Record<string, unknown> = {}) => ({
  condition: { all: [{ fact, operator, ...(value === undefined ? {} : { value }), ...extra }] },
});
const nested = (levels: number): unknown => {
  let node: unknown = { fact: 'duration', operator: 'greaterThan', value: 1 };
  for (let i = 1; i < levels; i++) node = { not: node };
  return node;
};

const CASES: Case[] = [
  // name
  { label: 'name NULL', row: { name: null }, code: 'CF001', includes: ['jobs.name', 'NULL'] },
  { label: 'name empty', row: { name: '' }, code: 'CF002', includes: ['jobs.name', '""', 'empty'] },
  { label: 'name blank', row: { name: '  \t ' }, code: 'CF002', includes: ['jobs.name', '"  \\t "', 'empty'] },
  { label: 'name of zero-width spaces', row: { name: '\u200b\u200b' }, code: 'CF002', includes: ['jobs.name', 'no visible character', 'U+200B U+200B'] },
  { label: 'name of a no-break space', row: { name: '\u00a0' }, code: 'CF002', includes: ['jobs.name', 'no visible character', 'U+00A0'] },
  { label: 'name of Unicode spaces and a BOM', row: { name: '\u3000\u2003\ufeff\u2060' }, code: 'CF002', includes: ['jobs.name', 'U+3000 U+2003 U+FEFF U+2060'] },
  { label: 'name too long', row: { name: 'x'.repeat(201) }, code: 'CF002', includes: ['jobs.name', 'xxxxx', '201 characters', 'at most 200'] },
  { label: 'name taken ignoring case', row: { name: 'EXISTING job' }, code: 'CF003', includes: ['jobs.name', '"EXISTING job"', '"Existing Job"', 'ignoring case'] },
  // access_scope
  { label: 'scope empty', row: { access_scope: [] }, code: 'CF004', includes: ['jobs.access_scope', '{}', 'NULL for all tenants'] },
  { label: 'scope with NULL', row: { access_scope: ['default', null] }, code: 'CF004', includes: ['jobs.access_scope', '["default", null]', 'NULL'] },
  { label: 'scope duplicate', row: { access_scope: ['default', 'acme', 'default'] }, code: 'CF004', includes: ['jobs.access_scope', '"default"', 'more than once'] },
  { label: 'scope two-dimensional', row: { access_scope: [['default'], ['acme']] }, code: 'CF004', includes: ['jobs.access_scope', '2 dimensions'] },
  { label: 'scope unknown tenant', row: { access_scope: ['default', 'initech'] }, code: 'CF005', includes: ['jobs.access_scope', '"initech"', 'acme, default'] },
  // mode, action
  { label: 'mode unknown', row: { mode: 'partial' }, code: 'CF006', includes: ['jobs.mode', '"partial"', "'full'", "'incremental'"] },
  { label: 'mode wrong case', row: { mode: 'Full' }, code: 'CF006', includes: ['jobs.mode', '"Full"'] },
  { label: 'mode NULL', row: { mode: null }, code: 'CF001', includes: ['jobs.mode', 'NULL'] },
  { label: 'action unknown', row: { action: 'toggle' }, code: 'CF007', includes: ['jobs.action', '"toggle"', "'set' or 'clear'"] },
  { label: 'action NULL', row: { action: null }, code: 'CF001', includes: ['jobs.action', 'NULL'] },
  { label: 'log_enabled NULL', row: { log_enabled: null }, code: 'CF001', includes: ['jobs.log_enabled', 'NULL'] },
  { label: 'enabled NULL', row: { enabled: null }, code: 'CF001', includes: ['jobs.enabled', 'NULL'] },
  { label: 'created_at NULL', row: { created_at: null }, code: 'CF001', includes: ['jobs.created_at', 'NULL'] },
  { label: 'created_at infinity', row: { created_at: 'infinity' }, code: 'CF014', includes: ['jobs.created_at', '"infinity"', 'default now()'], only: 'insert' },
  { label: 'created_at -infinity', row: { created_at: '-infinity' }, code: 'CF014', includes: ['jobs.created_at', '"-infinity"'], only: 'insert' },
  { label: 'created_at in the future', row: { created_at: '2999-01-01T00:00:00Z' }, code: 'CF014', includes: ['jobs.created_at', '2999-01-01', 'not in the future'], only: 'insert' },
  { label: 'created_at changed', row: { created_at: '2001-02-03T04:05:06Z' }, code: 'CF014', includes: ['jobs.created_at', '2001-02-03'], only: 'update' },
  // numbers
  { label: 'keep_history_days 0', row: { keep_history_days: 0 }, code: 'CF009', includes: ['jobs.keep_history_days', '0 is not allowed', '1 to 36500'] },
  { label: 'keep_history_days negative', row: { keep_history_days: -5 }, code: 'CF009', includes: ['jobs.keep_history_days', '-5'] },
  { label: 'keep_history_days too big', row: { keep_history_days: 36501 }, code: 'CF009', includes: ['jobs.keep_history_days', '36501'] },
  { label: 'keep_history_days NULL', row: { keep_history_days: null }, code: 'CF001', includes: ['jobs.keep_history_days', 'NULL'] },
  { label: 'time limit 0', row: { execution_time_limit_minutes: 0 }, code: 'CF009', includes: ['jobs.execution_time_limit_minutes', '0 is not allowed', 'NULL for no limit'] },
  { label: 'time limit negative', row: { execution_time_limit_minutes: -1 }, code: 'CF009', includes: ['jobs.execution_time_limit_minutes', '-1'] },
  { label: 'time limit too big', row: { execution_time_limit_minutes: 10081 }, code: 'CF009', includes: ['jobs.execution_time_limit_minutes', '10081', '10080'] },
  { label: 'time limit longer than a run can last', row: { execution_time_limit_minutes: 1436 }, code: 'CF015', includes: ['jobs.execution_time_limit_minutes', '1436', 'at most 1435', 'NULL'] },
  { label: 'keep-alive 0', row: { keep_alive_timeout_minutes: 0 }, code: 'CF009', includes: ['jobs.keep_alive_timeout_minutes', '0 is not allowed'] },
  { label: 'keep-alive too big', row: { keep_alive_timeout_minutes: 100000 }, code: 'CF009', includes: ['jobs.keep_alive_timeout_minutes', '100000'] },
  { label: 'keep-alive NULL', row: { keep_alive_timeout_minutes: null }, code: 'CF001', includes: ['jobs.keep_alive_timeout_minutes', 'NULL'] },
  // timezone
  { label: 'timezone unknown', row: { timezone: 'Mars/Olympus' }, code: 'CF008', includes: ['jobs.timezone', '"Mars/Olympus"', 'pg_timezone_names'] },
  { label: 'timezone wrong case', row: { timezone: 'europe/berlin' }, code: 'CF008', includes: ['jobs.timezone', '"europe/berlin"', 'did you mean "Europe/Berlin"'] },
  { label: 'timezone empty', row: { timezone: '' }, code: 'CF008', includes: ['jobs.timezone', '""'] },
  { label: 'timezone POSIX offset', row: { timezone: 'UTC+3' }, code: 'CF008', includes: ['jobs.timezone', '"UTC+3"'] },
  { label: 'timezone posix/ copy', row: { timezone: 'posix/Europe/Berlin' }, code: 'CF008', includes: ['jobs.timezone', '"posix/Europe/Berlin"', 'did you mean "Europe/Berlin"'] },
  { label: 'timezone city only', row: { timezone: 'Berlin' }, code: 'CF008', includes: ['jobs.timezone', '"Berlin"', 'did you mean "Europe/Berlin"'] },
  { label: 'timezone Factory', row: { timezone: 'Factory' }, code: 'CF008', includes: ['jobs.timezone', '"Factory"', 'time zone not set'] },
  // notifications
  { label: 'notify_on_completion unknown', row: { notify_on_completion: 'always' }, code: 'CF010', includes: ['jobs.notify_on_completion', '"always"', "'every_time'"] },
  { label: 'notify_on_failure unknown', row: { notify_on_failure: 'first' }, code: 'CF010', includes: ['jobs.notify_on_failure', '"first"', "'first_consecutive'"] },
  { label: 'notify_on_failure NULL', row: { notify_on_failure: null }, code: 'CF001', includes: ['jobs.notify_on_failure', 'NULL'] },
  { label: 'email without @', row: { notify_emails: 'ops@example.com, dba.example.com' }, code: 'CF011', includes: ['jobs.notify_emails', '"dba.example.com"'] },
  { label: 'email empty item', row: { notify_emails: 'ops@example.com,,dba@example.com' }, code: 'CF011', includes: ['jobs.notify_emails', '""', 'empty item'] },
  { label: 'emails separated by ;', row: { notify_emails: 'ops@example.com; dba@example.com' }, code: 'CF011', includes: ['jobs.notify_emails', '"ops@example.com; dba@example.com"', 'commas'] },
  { label: 'email with display name', row: { notify_emails: 'Ops <ops@example.com>' }, code: 'CF011', includes: ['jobs.notify_emails', '"Ops <ops@example.com>"'] },
  { label: 'email local part of 65 characters', row: { notify_emails: `${'a'.repeat(65)}@example.com` }, code: 'CF011', includes: ['jobs.notify_emails', 'aaaa', '65 characters before the @; at most 64'] },
  { label: 'email with space inside', row: { notify_emails: 'ops team@example.com' }, code: 'CF011', includes: ['jobs.notify_emails', '"ops team@example.com"'] },
  { label: 'emails missing for failure notice', row: { notify_on_failure: 'every_time' }, code: 'CF012', includes: ['jobs.notify_emails', 'NULL', '"every_time"'] },
  { label: 'emails blank for completion notice', row: { notify_on_completion: 'first_consecutive', notify_emails: '  ' }, code: 'CF012', includes: ['jobs.notify_emails', 'empty', '"first_consecutive"'] },
  // schedule
  { label: 'schedule NULL', row: { schedule: null }, code: 'CF001', includes: ['jobs.schedule', 'NULL'] },
  { label: 'schedule 4 fields', row: { schedule: '*/5 * * *' }, code: 'CF013', includes: ['jobs.schedule', '"*/5 * * *"', 'needs 5 fields', 'manual, hourly'] },
  { label: 'schedule 6 fields', row: { schedule: '0 */5 * * * *' }, code: 'CF013', includes: ['jobs.schedule', '"0 */5 * * * *"', '6 fields', 'no seconds'] },
  { label: 'schedule empty', row: { schedule: '' }, code: 'CF013', includes: ['jobs.schedule', '""', 'needs 5 fields'] },
  { label: 'schedule preset capitalised', row: { schedule: 'Hourly' }, code: 'CF013', includes: ['jobs.schedule', '"Hourly"', 'lower case'] },
  { label: 'schedule @daily', row: { schedule: '@daily' }, code: 'CF013', includes: ['jobs.schedule', '"@daily"', 'without @'] },
  { label: 'schedule minute 60', row: { schedule: '60 * * * *' }, code: 'CF013', includes: ['jobs.schedule', 'minute field "60"', '0-59'] },
  { label: 'schedule hour 24', row: { schedule: '0 24 * * *' }, code: 'CF013', includes: ['jobs.schedule', 'hour field "24"', '0-23'] },
  { label: 'schedule day-of-month 0', row: { schedule: '0 0 0 * *' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-month field "0"', '1-31'] },
  { label: 'schedule day-of-month 32', row: { schedule: '0 0 32 * *' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-month field "32"'] },
  { label: 'schedule month 13', row: { schedule: '0 0 1 13 *' }, code: 'CF013', includes: ['jobs.schedule', 'month field "13"', '1-12'] },
  { label: 'schedule day-of-week 8', row: { schedule: '0 0 * * 8' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-week field "8"', '0-7'] },
  { label: 'schedule step 0', row: { schedule: '*/0 * * * *' }, code: 'CF013', includes: ['jobs.schedule', 'minute field "*/0"', 'step /0'] },
  { label: 'schedule reversed range', row: { schedule: '0 17-8 * * *' }, code: 'CF013', includes: ['jobs.schedule', 'hour field "17-8"', 'backwards'] },
  { label: 'schedule nth weekday', row: { schedule: '0 0 * * mon#2' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-week field "mon#2"'] },
  { label: 'schedule L', row: { schedule: '0 0 L * *' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-month field "L"', 'not a number'] },
  { label: 'schedule ?', row: { schedule: '0 0 ? * *' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-month field "?"'] },
  { label: 'schedule empty list item', row: { schedule: '5,,10 * * * *' }, code: 'CF013', includes: ['jobs.schedule', 'minute field "5,,10"', 'empty item'] },
  { label: 'schedule unknown day name', row: { schedule: '0 0 * * funday' }, code: 'CF013', includes: ['jobs.schedule', '"funday"', 'sun, mon'] },
  { label: 'schedule single number with a step', row: { schedule: '5/10 * * * *' }, code: 'CF013', includes: ['jobs.schedule', 'minute field "5/10"', 'single number with a step', '5-59/10'] },
  { label: 'schedule 31 February', row: { schedule: '0 0 31 2 *' }, code: 'CF013', includes: ['jobs.schedule', '"0 0 31 2 *" never runs', 'February has 29 days at most'] },
  { label: 'schedule 30 February', row: { schedule: '0 0 30 2 *' }, code: 'CF013', includes: ['jobs.schedule', 'never runs'] },
  { label: 'schedule 31 April', row: { schedule: '0 0 31 4 *' }, code: 'CF013', includes: ['jobs.schedule', 'never runs', 'April has 30 days'] },
  { label: 'schedule day name spelled out', row: { schedule: '0 0 * * monday' }, code: 'CF013', includes: ['jobs.schedule', 'day-of-week field "monday"', 'sun, mon'] },
  { label: 'schedule month name in hour field', row: { schedule: '0 jan * * *' }, code: 'CF013', includes: ['jobs.schedule', 'hour field "jan"', 'not a number'] },
  // condition: structure
  { label: 'condition NULL', row: { condition: null }, code: 'CF001', includes: ['jobs.condition', 'NULL'] },
  { label: 'condition array', row: { condition: [] }, code: 'CF100', includes: ['jobs.condition', '[]', 'expected an object'] },
  { label: 'condition string', row: { condition: 'duration > 7200' }, code: 'CF100', includes: ['jobs.condition', '"duration > 7200"'] },
  { label: 'condition leaf at top', row: { condition: { fact: 'duration', operator: 'greaterThan', value: 1 } }, code: 'CF100', includes: ['jobs.condition', '"fact": "duration"', 'top level', 'wrap'] },
  { label: 'condition empty object', row: { condition: {} }, code: 'CF100', includes: ['jobs.condition', '{}', 'neither a group'] },
  { label: 'condition all and any', row: { condition: { all: [], any: [] } }, code: 'CF100', includes: ['jobs.condition', '"all"', '"any"', 'exactly one'] },
  { label: 'condition all not array', row: { condition: { all: { fact: 'duration' } } }, code: 'CF100', includes: ['jobs.condition', 'all {"fact": "duration"}', 'array'] },
  { label: 'condition not array', row: { condition: { not: [] } }, code: 'CF100', includes: ['jobs.condition', 'not []', 'one condition object'] },
  { label: 'condition element not object', row: { condition: { any: [{ all: [] }, 'x'] } }, code: 'CF100', includes: ['jobs.condition', 'any[1] "x"'] },
  { label: 'condition group priority', row: { condition: { all: [], priority: 1 } }, code: 'CF101', includes: ['jobs.condition', 'priority', 'not supported'] },
  { label: 'condition shared reference', row: { condition: { all: [{ condition: 'vip' }] } }, code: 'CF101', includes: ['jobs.condition', 'all[0].condition', 'shared condition'] },
  { label: 'condition leaf params', row: leaf('duration', 'greaterThan', 1, { params: { x: 1 } }), code: 'CF101', includes: ['jobs.condition', 'all[0].params', 'not supported'] },
  { label: 'condition group name not string', row: { condition: { all: [], name: 5 } }, code: 'CF100', includes: ['jobs.condition', 'name 5'] },
  // condition: facts and operators
  { label: 'fact missing', row: { condition: { all: [{ operator: 'equal', value: 1 }] } }, code: 'CF100', includes: ['jobs.condition', 'all[0].fact', 'missing', 'duration'] },
  { label: 'fact not a string', row: leaf(5 as unknown as string, 'equal', 1), code: 'CF100', includes: ['jobs.condition', 'all[0].fact 5'] },
  { label: 'fact unknown', row: leaf('durration', 'greaterThan', 1), code: 'CF102', includes: ['jobs.condition', 'all[0].fact "durration"', 'known attributes', 'duration', 'caller_name'] },
  { label: 'fact unknown, nested', row: { condition: { any: [{ all: [] }, { not: { fact: 'confidential', operator: 'equal', value: true } }] } }, code: 'CF102', includes: ['jobs.condition', 'any[1].not.fact "confidential"'] },
  { label: 'operator missing', row: { condition: { all: [{ fact: 'duration', value: 1 }] } }, code: 'CF100', includes: ['jobs.condition', 'all[0].operator', 'missing', 'greaterThan'] },
  { label: 'operator unknown', row: leaf('duration', 'greater', 1), code: 'CF103', includes: ['jobs.condition', 'all[0].operator "greater"', 'operators for "duration" (number)', 'greaterThan'] },
  { label: 'operator for number on text', row: leaf('caller_name', 'lessThan', 'M'), code: 'CF104', includes: ['jobs.condition', 'all[0].operator "lessThan" does not apply to fact "caller_name" (text)', 'operators for text:', 'startsWith'] },
  { label: 'operator for text on text_array', row: leaf('tags', 'startsWith', 'v'), code: 'CF104', includes: ['jobs.condition', '"startsWith"', '"tags" (text_array)', 'contains'] },
  { label: 'operator for dates on number', row: leaf('duration', 'before', 5), code: 'CF104', includes: ['jobs.condition', '"before"', '"duration" (number)'] },
  { label: 'operator equal on timestamp', row: leaf('started_at', 'equal', '2024-01-01 00:00'), code: 'CF104', includes: ['jobs.condition', '"equal"', '"started_at" (timestamp)', 'onOrAfter'] },
  // condition: values
  { label: 'value missing', row: leaf('duration', 'greaterThan'), code: 'CF105', includes: ['jobs.condition', 'all[0].value is missing', '"greaterThan"'] },
  { label: 'number value word', row: leaf('duration', 'greaterThan', 'long'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "long"', 'expected a number'] },
  { label: 'number value quoted for equal', row: leaf('duration', 'equal', '5'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "5"', '5 === "5" is false'] },
  { label: 'number value quoted in list', row: leaf('duration', 'in', [1, '5']), code: 'CF105', includes: ['jobs.condition', 'all[0].value[1] "5"', 'could never match'] },
  { label: 'number value boolean', row: leaf('duration', 'greaterThanInclusive', true), code: 'CF105', includes: ['jobs.condition', 'all[0].value true', 'expected a number'] },
  { label: 'number value null for greaterThan', row: leaf('duration', 'greaterThan', null), code: 'CF105', includes: ['jobs.condition', 'all[0].value null'] },
  { label: 'between one value', row: leaf('duration', 'between', [1]), code: 'CF105', includes: ['jobs.condition', 'all[0].value [1]', 'exactly two values'] },
  { label: 'between not an array', row: leaf('duration', 'between', 5), code: 'CF105', includes: ['jobs.condition', 'all[0].value 5', '[low, high]'] },
  { label: 'between bad element', row: leaf('duration', 'between', [1, 'x']), code: 'CF105', includes: ['jobs.condition', 'all[0].value[1] "x"'] },
  { label: 'between null element', row: leaf('duration', 'between', [null, 5]), code: 'CF105', includes: ['jobs.condition', 'all[0].value[0] null'] },
  { label: 'text value number', row: leaf('caller_name', 'equal', 5), code: 'CF105', includes: ['jobs.condition', 'all[0].value 5', 'expected a string'] },
  { label: 'in value not array', row: leaf('direction', 'in', 'inbound'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "inbound"', 'array'] },
  { label: 'startsWith value number', row: leaf('caller_number', 'startsWith', 49), code: 'CF105', includes: ['jobs.condition', 'all[0].value 49', 'string'] },
  { label: 'timestamp impossible date', row: leaf('started_at', 'before', '2024-02-30 10:00'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "2024-02-30 10:00"', 'not a real date'] },
  { label: 'timestamp date only', row: leaf('started_at', 'after', '2024-01-01'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "2024-01-01"', 'YYYY-MM-DD HH:MM'] },
  { label: 'timestamp offset after space', row: leaf('started_at', 'after', '2024-01-01 10:00 +02:00'), code: 'CF105', includes: ['jobs.condition', '"2024-01-01 10:00 +02:00"'] },
  { label: 'timestamp hour 24', row: leaf('ended_at', 'onOrBefore', '2024-01-01T24:00'), code: 'CF105', includes: ['jobs.condition', '"2024-01-01T24:00"'] },
  { label: 'timestamp offset out of range', row: leaf('started_at', 'before', '2024-02-10 10:00+99:00'), code: 'CF105', includes: ['jobs.condition', '"2024-02-10 10:00+99:00"', 'not a real date'] },
  { label: 'timestamp between word', row: leaf('started_at', 'between', ['2024-01-01 00:00', 'tomorrow']), code: 'CF105', includes: ['jobs.condition', 'all[0].value[1] "tomorrow"'] },
  { label: 'date month 13', row: leaf('start_date', 'equal', '2024-13-01'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "2024-13-01"', 'not a real date'] },
  { label: 'date US format', row: leaf('start_date', 'after', '01/02/2024'), code: 'CF105', includes: ['jobs.condition', '"01/02/2024"', 'YYYY-MM-DD'] },
  { label: 'time 24:00', row: leaf('start_time', 'after', '24:00'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "24:00"', 'HH:MM'] },
  { label: 'time one-digit hour', row: leaf('start_time', 'before', '9:00'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "9:00"'] },
  { label: 'contains number on tags', row: leaf('tags', 'contains', 5), code: 'CF105', includes: ['jobs.condition', 'all[0].value 5', 'expected a string'] },
  { label: 'json value object', row: leaf('custom', 'equal', { a: 1 }, { path: '$.crm' }), code: 'CF105', includes: ['jobs.condition', 'all[0].value {"a": 1}', 'not an object or array'] },
  { label: 'json list of arrays', row: leaf('custom', 'in', [[1]], { path: '$.x' }), code: 'CF105', includes: ['jobs.condition', 'all[0].value[0] [1]'] },
  // condition: closed sets of values
  { label: 'weekday capitalised', row: leaf('start_weekday', 'equal', 'Monday'), code: 'CF105', includes: ['all[0].value "Monday" is not valid for "equal" on fact "start_weekday" (text)', "it is none of the fact's values (monday, tuesday", 'did you mean "monday"'] },
  { label: 'direction capitalised', row: leaf('direction', 'equal', 'Internal'), code: 'CF105', includes: ['all[0].value "Internal"', '(inbound, outbound, internal)', 'did you mean "internal"'] },
  { label: 'weekend capitalised in notIn', row: leaf('start_weekday', 'notIn', ['saturday', 'Sunday']), code: 'CF105', includes: ['all[0].value[1] "Sunday"', 'did you mean "sunday"'] },
  { label: 'weekday abbreviated', row: leaf('start_weekday', 'in', ['sat']), code: 'CF105', includes: ['all[0].value[0] "sat"', 'did you mean "saturday"'] },
  { label: 'weekday prefix in the wrong case', row: leaf('start_weekday', 'startsWith', 'Mon'), code: 'CF105', includes: ['all[0].value "Mon" is not valid for "startsWith"', "it can never match: none of the fact's values", 'starts with it', 'did you mean "mon"'] },
  { label: 'direction that contains nothing', row: leaf('direction', 'includesIgnoreCase', 'xyz'), code: 'CF105', includes: ['all[0].value "xyz"', 'contains it ignoring case'] },
  // condition: numeric operators on json
  { label: 'json greaterThan a quoted number', row: leaf('custom', 'greaterThan', '3', { path: '$.crm.priority' }), code: 'CF105', includes: ['all[0].value "3"', 'numbers only'] },
  { label: 'isEmpty with a word', row: leaf('notes', 'isEmpty', 'yes'), code: 'CF105', includes: ['jobs.condition', 'all[0].value "yes"', 'true or false'] },
  { label: 'fact reference as value', row: leaf('duration', 'greaterThan', { fact: 'age_minutes' }), code: 'CF105', includes: ['jobs.condition', 'all[0].value {"fact": "age_minutes"}'] },
  // condition: paths
  { label: 'path on a number fact', row: leaf('duration', 'equal', 1, { path: '$.x' }), code: 'CF106', includes: ['jobs.condition', 'all[0].path "$.x"', 'only allowed on json facts', '"duration"'] },
  { label: 'path double dot', row: leaf('custom', 'equal', 1, { path: '$.a..b' }), code: 'CF106', includes: ['jobs.condition', 'all[0].path "$.a..b"', '$.crm.account'] },
  { label: 'path without $', row: leaf('custom', 'equal', 1, { path: 'crm.account' }), code: 'CF106', includes: ['jobs.condition', 'all[0].path "crm.account"'] },
  { label: 'path index too big', row: leaf('custom', 'equal', 1, { path: '$.items[10000]' }), code: 'CF106', includes: ['jobs.condition', '"$.items[10000]"'] },
  { label: 'path 11 steps', row: leaf('custom', 'equal', 1, { path: '$.a.b.c.d.e.f.g.h.i.j.k' }), code: 'CF106', includes: ['jobs.condition', '"$.a.b.c.d.e.f.g.h.i.j.k"', '1 to 10 steps'] },
  { label: 'path wildcard', row: leaf('custom', 'equal', 1, { path: '$.items[*].id' }), code: 'CF106', includes: ['jobs.condition', '"$.items[*].id"'] },
  { label: 'path not a string', row: leaf('custom', 'equal', 1, { path: ['crm'] }), code: 'CF106', includes: ['jobs.condition', 'all[0].path ["crm"]'] },
  // condition: bounds
  { label: 'nesting 11 levels', row: { condition: nested(11) }, code: 'CF107', includes: ['jobs.condition', 'nested 11 levels deep', 'at most 10'] },
  { label: '201 leaves', row: { condition: { any: Array.from({ length: 201 }, (_, i) => ({ fact: 'id', operator: 'equal', value: i })) } }, code: 'CF107', includes: ['jobs.condition', 'any[200]', 'leaf number 201', 'at most 200'] },
  { label: 'string value of 1001 characters', row: leaf('notes', 'includes', 'é'.repeat(1001)), code: 'CF107', includes: ['jobs.condition', 'all[0].value "ééé', 'longer than 1000'] },
  { label: 'list of 1001 values', row: leaf('id', 'in', Array.from({ length: 1001 }, (_, i) => i)), code: 'CF107', includes: ['jobs.condition', 'all[0].value has 1001 values', 'at most 1000'] },
  { label: 'condition over 64 kB', row: { condition: { any: Array.from({ length: 70 }, () => ({ fact: 'notes', operator: 'includes', value: 'x'.repeat(1000) })) } }, code: 'CF107', includes: ['jobs.condition', 'bytes long', 'at most 65536'] },
];

const test = suite('jobs: invalid rows are refused');
test.after(closePools);

test.before(async () => {
  const pool = openPool();
  await pool.query(`INSERT INTO conflag.tenants (id, name) VALUES ('acme', 'Acme') ON CONFLICT DO NOTHING`);
  await insertJob(pool, validJob({ name: 'Existing Job' }));
});

test(`the table has at least 60 cases (${CASES.length})`, () => {
  assert.ok(CASES.length >= 60);
  assert.is(new Set(CASES.map((c) => c.label)).size, CASES.length, 'labels are unique');
});

test('INSERT of each invalid row fails with its SQLSTATE and a message naming field and value', async () => {
  const pool = openPool();
  let checked = 0;
  for (const c of CASES.filter((x) => x.only !== 'update')) {
    await expectDatabaseError(() => insertJob(pool, validJob(c.row)), c, `INSERT ${c.label}`);
    checked++;
  }
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM conflag.jobs');
  assert.is(rows[0].n, 1, 'only the fixture job exists');
  assert.ok(checked >= 60);
});

test('UPDATE to each invalid value fails the same way and leaves the job unchanged', async () => {
  const pool = openPool();
  const job = await insertJob(pool, validJob({ name: 'to be broken', access_scope: ['acme'] }));
  let checked = 0;
  for (const c of CASES.filter((x) => x.only !== 'insert')) {
    await expectDatabaseError(() => updateJob(pool, job.id, c.row), c, `UPDATE ${c.label}`);
    checked++;
  }
  const { rows } = await pool.query('SELECT * FROM conflag.jobs WHERE id = $1', [job.id]);
  assert.equal(rows[0], job);
  assert.ok(checked >= 60);
});

test('the CHECK constraints back the trigger up when triggers are bypassed', async () => {
  const client = await openPool().connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL session_replication_role = replica`);
    for (const [row, constraint] of [
      [{ mode: 'partial' }, 'jobs_mode_check'],
      [{ action: 'toggle' }, 'jobs_action_check'],
      [{ keep_history_days: 0 }, 'jobs_keep_history_days_check'],
      [{ access_scope: [] }, 'jobs_access_scope_check'],
      [{ name: ' ' }, 'jobs_name_check'],
      [{ notify_on_failure: 'always' }, 'jobs_notify_on_failure_check'],
    ] as const) {
      await client.query('SAVEPOINT s');
      await expectDatabaseError(() => insertJob(client, validJob(row)), { code: '23514', includes: [constraint] }, constraint);
      await client.query('ROLLBACK TO SAVEPOINT s');
    }
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
});

test.run();

-- Up Migration

-- The attribute catalog: the only source of the SQL a condition's facts compile to. Expressions read the
-- recording through the alias r; {tz} stands for the job's timezone and {as_of} for the run's start time,
-- both bound as parameters by the compiler (never spliced from a job row).
CREATE TABLE conflag.attributes (
  name        text PRIMARY KEY,
  type        text NOT NULL CHECK (type IN ('text', 'number', 'timestamp', 'date', 'time', 'text_array', 'json')),
  expression  text NOT NULL,
  description text NOT NULL
);
COMMENT ON TABLE conflag.attributes IS 'Facts a job condition may use: name (the condition''s "fact"), type, and the SQL expression it reads. Maintained by conflag migrations; read-only for DBAs.';
COMMENT ON COLUMN conflag.attributes.name IS 'Fact name used in conditions, e.g. "duration".';
COMMENT ON COLUMN conflag.attributes.type IS 'text, number, timestamp, date, time, text_array or json; decides which operators apply (conflag.operators.types).';
COMMENT ON COLUMN conflag.attributes.expression IS 'SQL over the recording alias r; {tz} = the job''s timezone, {as_of} = the run''s start, both bound as parameters.';
COMMENT ON COLUMN conflag.attributes.description IS 'What the fact means, for people writing conditions.';

INSERT INTO conflag.attributes (name, type, expression, description) VALUES
  ('id',            'number',     'r.id',            'Recording id.'),
  ('tenant_id',     'text',       'r.tenant_id',     'Tenant id of the recording.'),
  ('call_id',       'text',       'r.call_id',       'Call identifier from the telephony system.'),
  ('started_at',    'timestamp',  'r.started_at',    'When the call started (an instant; a value without offset is read in the job''s timezone).'),
  ('ended_at',      'timestamp',  'r.ended_at',      'When the call ended; NULL while unknown.'),
  ('duration',      'number',     'r.duration',      'Length of the call in seconds.'),
  ('direction',     'text',       'r.direction',     'inbound, outbound or internal.'),
  ('caller_number', 'text',       'r.caller_number', 'Calling party number.'),
  ('caller_name',   'text',       'r.caller_name',   'Calling party name.'),
  ('callee_number', 'text',       'r.callee_number', 'Called party number.'),
  ('callee_name',   'text',       'r.callee_name',   'Called party name.'),
  ('user_name',     'text',       'r.user_name',     'Platform user the recording belongs to.'),
  ('group_name',    'text',       'r.group_name',    'Group of the user.'),
  ('tags',          'text_array', 'r.tags',          'Tags of the recording.'),
  ('notes',         'text',       'r.notes',         'Free-text notes.'),
  ('custom',        'json',       'r.custom',        'Integration fields; use "path" (e.g. "$.crm.account") to reach inside.'),
  ('start_date',    'date',       '(r.started_at AT TIME ZONE {tz})::date', 'Calendar date the call started, in the job''s timezone (YYYY-MM-DD).'),
  ('start_time',    'time',       '(r.started_at AT TIME ZONE {tz})::time', 'Time of day the call started, in the job''s timezone (HH:MM or HH:MM:SS).'),
  ('start_weekday', 'text',       '(ARRAY[''monday'',''tuesday'',''wednesday'',''thursday'',''friday'',''saturday'',''sunday''])[extract(isodow FROM r.started_at AT TIME ZONE {tz})::int]',
                                  'Day of the week the call started, in the job''s timezone: monday … sunday.'),
  ('age_minutes',   'number',     'floor(extract(epoch FROM ({as_of} - r.started_at)) / 60)', 'Whole minutes from the call''s start to the run''s start.'),
  ('age_days',      'number',     'floor(extract(epoch FROM ({as_of} - r.started_at)) / 86400)', 'Whole days (24 h) from the call''s start to the run''s start.');

-- The operator catalog: which attribute types each operator takes and the shape of its value. The write-time
-- validation (conflag.validate_condition) and the compiler (src/condition/) both read it.
CREATE TABLE conflag.operators (
  name        text PRIMARY KEY,
  types       text[] NOT NULL,
  value_shape text NOT NULL CHECK (value_shape IN ('scalar', 'scalar_or_null', 'array', 'pair', 'boolean', 'string')),
  origin      text NOT NULL CHECK (origin IN ('json-rules-engine', 'conflag')),
  description text NOT NULL
);
COMMENT ON TABLE conflag.operators IS 'Operators a condition may use, the attribute types each takes and the shape of its value. See docs/conditions.md.';
COMMENT ON COLUMN conflag.operators.name IS 'Operator name used in conditions.';
COMMENT ON COLUMN conflag.operators.types IS 'Attribute types (conflag.attributes.type) the operator applies to.';
COMMENT ON COLUMN conflag.operators.value_shape IS 'scalar, scalar_or_null, array (of scalars), pair ([low, high]), boolean or string.';
COMMENT ON COLUMN conflag.operators.origin IS 'json-rules-engine built-in, or registered by conflag on json-rules-engine.';
COMMENT ON COLUMN conflag.operators.description IS 'What the operator does, including with NULL.';

INSERT INTO conflag.operators (name, types, value_shape, origin, description) VALUES
  ('equal',                '{text,number,date,json}', 'scalar_or_null', 'json-rules-engine', 'Strictly equal (===). NULL equals only null.'),
  ('notEqual',             '{text,number,date,json}', 'scalar_or_null', 'json-rules-engine', 'Not strictly equal (!==). True for NULL unless the value is null.'),
  ('in',                   '{text,number,date,json}', 'array',          'json-rules-engine', 'Equal to one of the listed values. NULL is in a list only if the list has null.'),
  ('notIn',                '{text,number,date,json}', 'array',          'json-rules-engine', 'Equal to none of the listed values. True for NULL unless the list has null.'),
  ('contains',             '{text_array,json}',       'scalar',         'json-rules-engine', 'The array contains the value. False for NULL or a non-array.'),
  ('doesNotContain',       '{text_array,json}',       'scalar',         'json-rules-engine', 'The array does not contain the value. False for NULL or a non-array.'),
  ('lessThan',             '{number}',                'scalar',         'json-rules-engine', 'Less than. False for NULL.'),
  ('lessThanInclusive',    '{number}',                'scalar',         'json-rules-engine', 'Less than or equal. False for NULL.'),
  ('greaterThan',          '{number}',                'scalar',         'json-rules-engine', 'Greater than. False for NULL.'),
  ('greaterThanInclusive', '{number}',                'scalar',         'json-rules-engine', 'Greater than or equal. False for NULL.'),
  ('between',              '{number,timestamp,date,time}', 'pair',      'conflag', 'Between low and high, both inclusive. False for NULL.'),
  ('before',               '{timestamp,date,time}',   'scalar',         'conflag', 'Strictly earlier than the value. False for NULL.'),
  ('after',                '{timestamp,date,time}',   'scalar',         'conflag', 'Strictly later than the value. False for NULL.'),
  ('onOrBefore',           '{timestamp,date,time}',   'scalar',         'conflag', 'Earlier than or equal to the value. False for NULL.'),
  ('onOrAfter',            '{timestamp,date,time}',   'scalar',         'conflag', 'Later than or equal to the value. False for NULL.'),
  ('startsWith',           '{text}',                  'string',         'conflag', 'Text starts with the value (case-sensitive). False for NULL.'),
  ('endsWith',             '{text}',                  'string',         'conflag', 'Text ends with the value (case-sensitive). False for NULL.'),
  ('includes',             '{text}',                  'string',         'conflag', 'Text contains the value as a substring (case-sensitive). False for NULL.'),
  ('equalIgnoreCase',      '{text}',                  'string',         'conflag', 'Equal ignoring case (Unicode lower-casing). False for NULL.'),
  ('startsWithIgnoreCase', '{text}',                  'string',         'conflag', 'Starts with the value, ignoring case. False for NULL.'),
  ('endsWithIgnoreCase',   '{text}',                  'string',         'conflag', 'Ends with the value, ignoring case. False for NULL.'),
  ('includesIgnoreCase',   '{text}',                  'string',         'conflag', 'Contains the value, ignoring case. False for NULL.'),
  ('isEmpty',              '{text,number,timestamp,date,time,text_array,json}', 'boolean', 'conflag',
                           'value true: NULL, missing, '''' or an empty array; value false: anything else.');

-- The job row: every setting of a Set/Clear Confidential Flags job. Validation (triggers, constraints),
-- audit, NOTIFY and roles are added in the next migration.
CREATE TABLE conflag.jobs (
  id                           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                         text NOT NULL,
  access_scope                 text[],
  mode                         text NOT NULL DEFAULT 'full',
  condition                    jsonb NOT NULL,
  action                       text NOT NULL,
  log_enabled                  boolean NOT NULL DEFAULT false,
  keep_history_days            integer NOT NULL DEFAULT 60,
  timezone                     text,
  execution_time_limit_minutes integer,
  keep_alive_timeout_minutes   integer NOT NULL DEFAULT 15,
  notify_on_completion         text NOT NULL DEFAULT 'off',
  notify_on_failure            text NOT NULL DEFAULT 'off',
  notify_emails                text,
  schedule                     text NOT NULL DEFAULT 'manual',
  enabled                      boolean NOT NULL DEFAULT true,
  created_at                   timestamptz NOT NULL DEFAULT now(),
  updated_at                   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_name_key ON conflag.jobs (lower(name));

-- Down Migration

DROP TABLE conflag.jobs;
DROP TABLE conflag.operators;
DROP TABLE conflag.attributes;

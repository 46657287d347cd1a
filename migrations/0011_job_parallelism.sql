-- Up Migration

-- Issue 14: how many connections a job's runs work on at once, per job. NULL (the default) leaves it to the runner
-- (CONFLAG_RUN_PARALLELISM, default 2); `conflag run --parallel N` overrides both for that one run. A job that
-- shares the server with busy applications can ask for 1; a large job on an otherwise idle server for more. The
-- trigger conflag.jobs_validate() refuses a bad value first with a clear message (CF009); the CHECK keeps the rule
-- should the trigger ever be disabled. 16 is the executor's MAX_PARALLELISM (src/run/types.ts).
ALTER TABLE conflag.jobs ADD COLUMN parallelism integer CONSTRAINT jobs_parallelism_range CHECK (parallelism BETWEEN 1 AND 16);

COMMENT ON COLUMN conflag.jobs.parallelism IS 'Connections each run of the job works on at once (1-16; each batch one statement in its own transaction). NULL: the runner''s CONFLAG_RUN_PARALLELISM (default 2). `conflag run --parallel N` overrides both for one run. A runner''s pool holds CONFLAG_CONCURRENCY x CONFLAG_RUN_PARALLELISM + 3 connections: a job asking for more gets only those free within a second, and the service log says so. job_runs.parallelism records what each run asked for.';

-- Down Migration

ALTER TABLE conflag.jobs DROP COLUMN parallelism;

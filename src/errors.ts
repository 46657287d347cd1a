// One error catalog across SQL and TypeScript. PL/pgSQL raises SQLSTATEs of class CF (reserved for conflag)
// with a message naming the field, the value and what is allowed; TypeScript maps them to ConflagError and
// keeps the server error as the cause. Full list with meanings: docs/errors.md.
import type { DatabaseError } from 'pg';

/** SQLSTATE codes raised by conflag's SQL. Ranges: CF0xx job fields, CF1xx conditions, CF3xx runs, CF4xx the recordings table and its attributes. */
export const SQLSTATE = {
  // CF0xx / CF1xx: job validation (sql/functions/jobs_validate.sql and the functions it calls). See docs/errors.md "Jobs".
  jobFieldRequired: 'CF001',
  jobNameInvalid: 'CF002',
  jobNameTaken: 'CF003',
  jobAccessScopeInvalid: 'CF004',
  jobAccessScopeUnknownTenant: 'CF005',
  jobModeInvalid: 'CF006',
  jobActionInvalid: 'CF007',
  jobTimezoneInvalid: 'CF008',
  jobNumberOutOfRange: 'CF009',
  jobNotifyInvalid: 'CF010',
  jobEmailInvalid: 'CF011',
  jobEmailRequired: 'CF012',
  jobScheduleInvalid: 'CF013',
  jobCreatedAtReadOnly: 'CF014',
  jobTimeLimitTooLong: 'CF015',
  tenantInUse: 'CF020',
  settingsOneRow: 'CF021',
  settingsInvalid: 'CF022',
  jobChangesReadOnly: 'CF023',
  runRequestJobNotFound: 'CF030',
  jobPrecedenceInvalid: 'CF040',
  jobConflictWarning: 'CF050',
  conflictsNotReadable: 'CF051',
  conditionInvalid: 'CF100',
  conditionUnknownKey: 'CF101',
  conditionUnknownFact: 'CF102',
  conditionUnknownOperator: 'CF103',
  conditionOperatorType: 'CF104',
  conditionValueInvalid: 'CF105',
  conditionPathInvalid: 'CF106',
  conditionTooLarge: 'CF107',
  // CF3xx: runs (sql/functions/, src/run/). See docs/errors.md "Runs".
  runJobNotFound: 'CF301',
  runJobRunning: 'CF302',
  runBadOption: 'CF303',
  runNotRunning: 'CF304',
  runHistoryForward: 'CF305',
  // CF4xx: the recordings table (conflag.recording_source). See docs/errors.md "Recordings table".
  sourceMissing: 'CF401',
  sourceKeyType: 'CF402',
  sourceKeyNotUnique: 'CF403',
  sourceColumnInvalid: 'CF404',
  sourceTenantsUnknown: 'CF405',
  sourceNotTable: 'CF406',
  sourceRunnerGrants: 'CF407',
  sourceRunsInProgress: 'CF408',
  sourceJobsUnfit: 'CF409',
  sourceOneRow: 'CF410',
  changeLogBroken: 'CF411',
  sourceNotMapped: 'CF412',
  runScopeUnguarded: 'CF413',
  // CF42x: attributes (conflag.attributes), checked when written. See docs/errors.md "Attributes".
  attributeInvalid: 'CF420',
  attributeTableMissing: 'CF421',
  attributeExpressionInvalid: 'CF422',
  attributeExpressionType: 'CF423',
  attributeExpressionUnsafe: 'CF424',
  attributeInUse: 'CF425',
  // CF5xx: deployment. See docs/errors.md "Deployment".
  schemaNotCurrent: 'CF501',
} as const satisfies Record<string, string>;

/** Server errors worth retrying as they are: serialization failure, deadlock. */
export const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

export class ConflagError extends Error {
  override name = 'ConflagError';
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isConflagSqlState(code: unknown): code is string {
  return typeof code === 'string' && code.startsWith('CF');
}

/** Turns a pg error raised by conflag's SQL into a ConflagError; other errors are returned unchanged. */
export function fromDatabaseError(error: unknown): unknown {
  const code = (error as DatabaseError | undefined)?.code;
  if (error instanceof Error && isConflagSqlState(code)) return new ConflagError(code, error.message, { cause: error });
  return error;
}

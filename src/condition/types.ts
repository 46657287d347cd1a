// Shared shapes of the condition compiler: the catalogs read from conflag.attributes / conflag.operators,
// the context a condition is evaluated in, and the parsed (validated) condition tree.

export type AttributeType = 'text' | 'number' | 'timestamp' | 'date' | 'time' | 'text_array' | 'json';
export type ValueShape = 'scalar' | 'scalar_or_null' | 'array' | 'pair' | 'boolean' | 'string';

export interface Attribute {
  name: string;
  type: AttributeType;
  /** SQL over the alias r; may contain {tz} and {as_of}. Only ever from conflag.attributes. */
  expression: string;
  description: string;
  /** True when the expression can never be NULL (a NOT NULL column): the compiler then skips NULL guards. */
  notNull: boolean;
  /** The only values a text attribute can have (conflag.attributes.allowed_values); undefined = any text. */
  values?: string[];
}

export interface OperatorInfo {
  name: string;
  types: AttributeType[];
  valueShape: ValueShape;
  origin: 'json-rules-engine' | 'conflag';
  description: string;
}

export interface Catalog {
  attributes: Map<string, Attribute>;
  operators: Map<string, OperatorInfo>;
  /** Whether the server has the ICU root collation "und-x-icu" (case-insensitive operators use it). */
  icu: boolean;
}

/** What a condition is evaluated against besides the recording: the job's timezone and the run's start. */
export interface ConditionContext {
  /** IANA name (as listed in pg_timezone_names). */
  timezone: string;
  /** The run's fixed "now": ages are measured to it. */
  asOf: Date;
  /** Bind the run's "now" as 'now' (the executing transaction's start) instead of asOf: for a predicate stored
   * and evaluated later (conflag.job_predicates), so its ages stay current. */
  liveAsOf?: boolean;
}

/** A JSON value as stored in jobs.condition (jsonb). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One step of a path into custom: `.name` or `[index]`. */
export type PathSegment = { key: string } | { index: number };

export interface Leaf {
  kind: 'leaf';
  /** Where in the condition JSON this leaf sits, e.g. `condition.all[2]`, for error messages. */
  at: string;
  attribute: Attribute;
  operator: OperatorInfo;
  value: Json;
  /** The original path text (json attributes only), and its parsed segments. */
  path?: string;
  segments?: PathSegment[];
}

export type ConditionNode =
  | { kind: 'all' | 'any'; at: string; children: ConditionNode[] }
  | { kind: 'not'; at: string; child: ConditionNode }
  | Leaf;

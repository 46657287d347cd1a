// Reading settings from environment variables, with one kind of refusal for all of them: the variable, its value
// and what is allowed, so a bad setting fails the start with a message that says how to fix it. Used by
// src/config.ts, src/service/runnerConfig.ts and src/notify/emailConfig.ts.

export type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Whether the variable has a value (an empty one counts as unset, as everywhere here). */
export function isSet(env: Env, name: string): boolean {
  return raw(env, name) !== undefined;
}

function refuse(name: string, value: string, allowed: string): never {
  throw new Error(`${name}=${JSON.stringify(value)} is not valid; use ${allowed}.`);
}

/** A whole number from min to max. */
export function envInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) refuse(name, text, `a whole number from ${min} to ${max} (default ${fallback})`);
  return value;
}

/** Any finite number from min to max. */
export function envNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) refuse(name, text, `a number from ${min} to ${max} (default ${fallback})`);
  return value;
}

/** Seconds (fractions allowed, e.g. 0.5), more than 0 and at most a day → milliseconds. */
export function envSeconds(env: Env, name: string, fallback: number): number {
  const text = raw(env, name);
  if (text === undefined) return fallback * 1000;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 86_400) {
    refuse(name, text, `a number of seconds greater than 0 and at most 86400 (default ${fallback})`);
  }
  return Math.round(value * 1000);
}

/** One of a fixed list of words. */
export function envChoice<T extends string>(env: Env, name: string, fallback: T, choices: readonly T[]): T {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  if (!(choices as readonly string[]).includes(text)) refuse(name, text, `one of ${choices.join(', ')} (default ${fallback})`);
  return text as T;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const text = raw(env, name);
  if (text === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  return refuse(name, text, `true or false (default ${fallback})`);
}

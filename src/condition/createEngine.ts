// The reference semantics: json-rules-engine 7 with conflag's operators registered, in a job's context (its
// timezone; facts computed for the run's as_of by recordingFacts). The compiler's SQL must select exactly
// the recordings for which this engine says a condition is true (test/condition/differential.test.ts).
import { Engine } from 'json-rules-engine';
import { conflagOperators } from './conflagOperators.ts';
import type { ConditionContext } from './types.ts';

export function createEngine(ctx: Pick<ConditionContext, 'timezone'>): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false });
  for (const [name, fn] of Object.entries(conflagOperators(ctx.timezone))) engine.addOperator(name, fn);
  return engine;
}

const EVENT = { type: 'match' };

/** An engine holding one rule with `condition`; `matches` says whether it is true for one recording's facts. */
export function conditionEvaluator(condition: unknown, ctx: Pick<ConditionContext, 'timezone'>) {
  const engine = createEngine(ctx);
  // json-rules-engine keeps evaluation state on the rule's condition objects: give it its own copy.
  engine.addRule({ conditions: structuredClone(condition) as never, event: EVENT });
  return {
    engine,
    async matches(facts: Record<string, unknown>): Promise<boolean> {
      const { events } = await engine.run(facts);
      return events.length === 1;
    },
  };
}

// The condition compiler's public surface (see docs/conditions.md): catalogs, compiler, reference semantics.
export { loadCatalog } from './loadCatalog.ts';
export { compileCondition } from './compileCondition.ts';
export { recordingsOfJob, type JobSelection } from './recordingsOfJob.ts';
export { parseCondition } from './parseCondition.ts';
export { createEngine, conditionEvaluator } from './createEngine.ts';
export { recordingFacts, type RecordingRow } from './recordingFacts.ts';
export { ConditionError } from './conditionError.ts';
export type { Catalog, ConditionContext, Attribute, OperatorInfo } from './types.ts';

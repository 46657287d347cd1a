// The heaps that hold conflag.recordings: the table itself, or each leaf partition of a partitioned one
// (pg_partition_tree lists nothing for a plain table). One SQL fragment for the write meter and the block ranges.
export const RECORDING_HEAPS = `
  SELECT c.oid AS relid FROM pg_class c WHERE c.oid = 'conflag.recordings'::regclass AND c.relkind = 'r'
  UNION ALL
  SELECT t.relid FROM pg_partition_tree('conflag.recordings') t WHERE t.isleaf`;

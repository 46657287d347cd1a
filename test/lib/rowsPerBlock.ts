// Notes that make recordings fill the table's blocks `perBlock` to a block, so tests can count batches of a few
// blocks each. fillfactor 90 leaves ~7 350 bytes of an 8 kB block for inserts: rows of 7350 / (perBlock + 0.5)
// bytes (each with a 4-byte line pointer) fit perBlock times but not once more; the notes make up the row's size
// beyond its ~73 bytes of header and other columns. The 10 % left free takes one HOT update of a row per block.
// Rows stay under 2 kB (perBlock >= 4), so nothing is compressed; above 10 the other columns' sizes vary too much.
export function notesLength(perBlock: number): number {
  if (!Number.isInteger(perBlock) || perBlock < 4 || perBlock > 10) throw new Error('rows per block must be 4 to 10');
  return Math.floor(7348 / (perBlock + 0.5)) - 4 - 73;
}

// Human-readable SQL for `conflag explain`: the compiled predicate is one line; this breaks long AND/OR groups
// into one operand per line, indented by nesting, without touching string literals or quoted identifiers.
// Only whitespace changes, so the text means exactly what runs.

const WIDTH = 100;

/** The top-level operands of `text` split at ` AND ` / ` OR ` outside parentheses and quotes. */
function splitTopLevel(text: string): { operands: string[]; operator: string } | undefined {
  const operands: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  let operator: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && c === ' ') {
      for (const op of ['AND', 'OR']) {
        if (text.startsWith(` ${op} `, i) && (operator === undefined || operator === op)) {
          // CASE … WHEN a AND b THEN … keeps its inner ANDs: only split outside CASE expressions.
          const sofar = text.slice(start, i);
          if ((sofar.match(/\bCASE\b/g) ?? []).length > (sofar.match(/\bEND\b/g) ?? []).length) continue;
          operator = op;
          operands.push(text.slice(start, i));
          start = i + op.length + 2;
        }
      }
    }
  }
  if (!operator) return undefined;
  operands.push(text.slice(start));
  return { operands, operator };
}

function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

export function formatPredicate(text: string, indent = ''): string {
  if (indent.length + text.length <= WIDTH) return indent + text;
  if (text.startsWith('(NOT ') && isWrapped(text)) {
    return `${indent}(NOT\n${formatPredicate(text.slice(5, -1), indent + '  ')}\n${indent})`;
  }
  if (isWrapped(text)) {
    const split = splitTopLevel(text.slice(1, -1));
    if (split) {
      const lines = split.operands.map((o, i) => formatPredicate(o, indent + '  ').replace(/^(\s*)/, `$1${i === 0 ? '' : split.operator + ' '}`));
      return `${indent}(\n${lines.join('\n')}\n${indent})`;
    }
  }
  return indent + text;
}

// Fenced code blocks of a Markdown file, so tests can run documentation exactly as written.
import fs from 'node:fs';

export interface MarkdownBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export function markdownBlocks(file: string): MarkdownBlock[] {
  const markdown = fs.readFileSync(file, 'utf8');
  return [...markdown.matchAll(/^```([^\s`]*)[^\n]*\n([\s\S]*?)^```\s*$/gm)].map((m) => ({
    lang: m[1],
    body: m[2],
    line: markdown.slice(0, m.index).split('\n').length,
  }));
}

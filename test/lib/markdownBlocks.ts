// Fenced code blocks of a Markdown file, so tests can run documentation exactly as written.
import fs from 'node:fs';

export interface MarkdownBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** Text of the nearest `## ` heading above the block ('' before the first one). */
  section: string;
  /** An HTML comment on the line just above the fence (e.g. `<!-- partition-ddl: … -->`), if any. */
  marker?: string;
}

export function markdownBlocks(file: string | URL): MarkdownBlock[] {
  const markdown = fs.readFileSync(file, 'utf8');
  return [...markdown.matchAll(/^```([^\s`]*)[^\n]*\n([\s\S]*?)^```\s*$/gm)].map((m) => {
    const before = markdown.slice(0, m.index).split('\n');
    const headings = before.filter((l) => l.startsWith('## '));
    const previous = before[before.length - 2]?.trim() ?? '';
    return {
      lang: m[1],
      body: m[2],
      line: before.length,
      section: headings.length ? headings[headings.length - 1].slice(3).trim() : '',
      marker: /^<!--.*-->$/.test(previous) ? previous : undefined,
    };
  });
}

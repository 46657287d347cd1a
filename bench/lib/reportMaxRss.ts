// Preloaded (node --import) into a `conflag run` child by bench/lib/conflagProcess.ts: as the process exits, it
// prints its peak resident set size (getrusage ru_maxrss, kB) on stderr for the bench to read. Nothing else.
import fs from 'node:fs';

process.on('exit', () => {
  fs.writeSync(2, `\nconflag-bench-max-rss-kb ${process.resourceUsage().maxRSS}\n`);
});

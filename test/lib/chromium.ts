// Debian's Chromium driven by playwright-core: never a browser a tool downloads. Each launch gets a fresh profile
// folder (removed on close). Used by the page tests and scripts/takeScreenshots.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: Pick<BrowserContextOptions, 'httpCredentials' | 'viewport' | 'deviceScaleFactor'> = {}): Promise<Chromium> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does when .ci/needs-chromium exists`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'conflag-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    acceptDownloads: true,
    ...options,
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

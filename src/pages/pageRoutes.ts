// The job pages on the runner's HTTP server: every path but /health and /metrics (src/service/serviceRoutes.ts).
// hono routes them (typed path parameters, one 404 for everything unknown) and its `html` tag escapes every value;
// its secure-headers middleware sends a Content-Security-Policy that allows no script and no external asset at all,
// so even a value that slipped past escaping could not run. The pages only read: there is no form and no action.
// With a token configured (CONFLAG_HTTP_TOKEN), every page answers 401 without it.
import { getRequestListener } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import type { HttpServer } from '../service/httpServer.ts';
import { jobPage } from './jobPage.ts';
import { jobsPage } from './jobsPage.ts';
import { page, type Html } from './layout.ts';
import type { PagesConfig } from './pagesConfig.ts';
import { recordingPage } from './recordingPage.ts';
import { runLogFile, runPage } from './runPage.ts';
import { tokenMatches } from './tokenCheck.ts';

const ID = '{[0-9]{1,18}}';

/** A recording's key from the path: a JSON array of numbers and strings ([42], ["a", 1]), or a bare number n = [n]. */
export function recordingKey(param: string): string | undefined {
  if (/^[0-9]{1,18}$/.test(param)) return `[${param}]`;
  try {
    const key: unknown = JSON.parse(param);
    const ok = Array.isArray(key) && key.length >= 1 && key.length <= 4 && key.every((k) => typeof k === 'number' || typeof k === 'string');
    return ok ? JSON.stringify(key) : undefined;
  } catch {
    return undefined;
  }
}

function notFound(c: Context, what: string): Response | Promise<Response> {
  return c.html(page('Not found', html`<h1>Not found</h1><p>${what}</p><p><a href="/">All jobs</a></p>`), 404);
}

function show(c: Context, body: Html | undefined, what: string): Response | Promise<Response> {
  return body ? c.html(body) : notFound(c, what);
}

export function createPagesApp(pool: pg.Pool, config: PagesConfig, log: Logger): Hono {
  const app = new Hono();
  app.use(secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", 'data:'], formAction: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    strictTransportSecurity: false,
  }));
  app.use(async (c, next) => {
    c.header('Cache-Control', 'no-store');
    if (config.token !== null && !tokenMatches(c.req.header('authorization'), config.token)) {
      c.header('WWW-Authenticate', 'Basic realm="conflag", charset="UTF-8"');
      return c.text('conflag: this page needs the token (CONFLAG_HTTP_TOKEN): as the password of the browser\'s sign-in prompt, or Authorization: Bearer <token>.\n', 401);
    }
    await next();
  });
  app.get('/', async (c) => c.html(await jobsPage(pool)));
  app.get('/jobs', (c) => c.redirect('/', 302));
  app.get(`/jobs/:id${ID}`, async (c) => {
    const before = c.req.query('before');
    const body = await jobPage(pool, c.req.param('id'), { before: before && /^[0-9]{1,18}$/.test(before) ? before : null, preview: c.req.query('preview') === '1' });
    return show(c, body, `There is no job ${c.req.param('id')}; it may have been deleted.`);
  });
  app.get(`/runs/:id${ID}`, async (c) => show(c, await runPage(pool, c.req.param('id')), `There is no run ${c.req.param('id')}; runs are pruned after their job's keep_history_days.`));
  app.get(`/runs/:id${ID}/log.txt`, async (c) => {
    const text = await runLogFile(pool, c.req.param('id'));
    if (text === undefined) return c.text(`run ${c.req.param('id')} has no detailed log (it does not exist, or its job had log_enabled = false)\n`, 404);
    c.header('Content-Disposition', `attachment; filename="conflag-run-${c.req.param('id')}.log"`);
    return c.text(text);
  });
  app.get('/recordings/:key', async (c) => {
    const key = recordingKey(c.req.param('key'));
    if (!key) return notFound(c, 'A recording is named by its key as a JSON array, such as /recordings/[42], or by a number.');
    return show(c, await recordingPage(pool, key), `There is no recording ${key}.`);
  });
  app.notFound((c) => notFound(c, `Nothing at ${c.req.path}.`));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.path }, 'job page failed');
    return c.html(page('Error', html`<h1>Something went wrong</h1><p>${error.message}</p>`), 500);
  });
  return app;
}

/** Serves the pages for every path the server has no other route for. */
export function addPageRoutes(http: HttpServer, pool: pg.Pool, config: PagesConfig, log: Logger): void {
  const listener = getRequestListener(createPagesApp(pool, config, log).fetch);
  http.route('/*', (req, res) => listener(req, res));
}

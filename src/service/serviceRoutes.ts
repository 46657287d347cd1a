// GET /health and GET /metrics. /health answers 200 when this runner can do its work (database reachable, pg-boss
// started, not shutting down) and 503 otherwise, with the state of each part as JSON; /metrics is Prometheus text
// exposition format 0.0.4 from prom-client (src/service/metrics.ts).
import type pg from 'pg';
import type { HttpServer } from './httpServer.ts';
import type { MetricsRegistry } from './metrics.ts';

export interface HealthSources {
  pool: pg.Pool;
  bossState(): 'starting' | 'started' | 'stopping' | 'stopped';
  listenerConnected(): boolean;
  lastReconcileAt(): Date | null;
  stopping(): boolean;
}

export function addServiceRoutes(http: HttpServer, health: HealthSources, metrics: MetricsRegistry): void {
  http.route('/health', async (_req, res) => {
    const body: Record<string, unknown> = {};
    let ok = true;
    try {
      await health.pool.query('SELECT 1');
      body.database = 'ok';
    } catch (error) {
      ok = false;
      body.database = `unavailable: ${(error as Error).message}`;
    }
    body.pgBoss = health.bossState();
    if (body.pgBoss !== 'started') ok = false;
    // A lost LISTEN connection degrades latency only (the reconcile and polling still work), so it is reported,
    // not fatal.
    body.listener = health.listenerConnected() ? 'connected' : 'reconnecting';
    body.lastReconcileAt = health.lastReconcileAt()?.toISOString() ?? null;
    if (health.stopping()) {
      ok = false;
      body.stopping = true;
    }
    body.status = ok ? 'ok' : 'unavailable';
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  http.route('/metrics', async (_req, res) => {
    const text = await metrics.render();
    res.writeHead(200, { 'content-type': metrics.contentType }).end(text);
  });
}

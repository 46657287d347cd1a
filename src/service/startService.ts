// The long-running service behind `conflag start`: HTTP endpoints now; the scheduler and runner attach here.
import pg from 'pg';
import type { Logger } from '../log.ts';
import { startHttpServer } from './httpServer.ts';

export interface Service {
  url: string;
  stop(): Promise<void>;
}

export async function startService(options: { databaseUrl: string; httpPort: number; log: Logger }): Promise<Service> {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 4 });
  pool.on('error', (error) => options.log.warn({ err: error }, 'idle database connection failed'));
  const http = await startHttpServer(options.httpPort);
  http.route('/health', async (_req, res) => {
    try {
      await pool.query('SELECT 1');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    } catch (error) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'unavailable', error: (error as Error).message }));
    }
  });
  return {
    url: http.url,
    async stop() {
      await http.close();
      await pool.end();
    },
  };
}

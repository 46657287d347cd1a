// The runner's HTTP endpoints. Routes are registered by the parts of the service that own them
// (health here; metrics and job pages elsewhere).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> | void;

export interface HttpServer {
  port: number;
  /** The port asked for, when it was busy and a free one was taken instead (freeIfBusy). */
  busyPort?: number;
  url: string;
  route(path: string, handler: Route): void;
  close(): Promise<void>;
}

/** `freeIfBusy`: a default port (not set by the user) that is in use gives way to a free one. */
export async function startHttpServer(port: number, options: { host?: string; freeIfBusy?: boolean } = {}): Promise<HttpServer> {
  const host = options.host ?? '127.0.0.1';
  const routes = new Map<string, Route>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = routes.get(url.pathname) ?? [...routes].find(([p]) => p.endsWith('/*') && url.pathname.startsWith(p.slice(0, -1)))?.[1];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    try {
      await handler(req, res, url);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${(error as Error).message}\n`);
    }
  });
  server.keepAliveTimeout = 1000;
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  let busyPort: number | undefined;
  try {
    await listen(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (!options.freeIfBusy) throw new Error(`Port ${port} is already in use; set PORT to another port, or PORT=0 to pick a free one.`);
    busyPort = port;
    await listen(0);
  }
  const actual = (server.address() as AddressInfo).port;
  return {
    port: actual,
    busyPort,
    url: `http://${host}:${actual}`,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

import { createServer, type Server } from 'node:http';

const inventory = JSON.stringify({ warehouse: 'local-stub', items: Array.from({ length: 8 }, (_, i) => ({ sku: `SKU-${i}`, available: 10 * i })) });

/**
 * The fixture's outbound-call route talks to this stub. It runs in the harness
 * process (not the target), so its CPU never counts against the target.
 */
export async function startDownstreamStub(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(inventory) });
    response.end(inventory);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

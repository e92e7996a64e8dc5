import { createSocket } from 'node:dgram';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtures, readOnlyResult, runCli, tempDir } from '../helpers.js';

/**
 * A preload that tries every way out, run as a config: in the default session (a loopback-only network namespace)
 * nothing gets through, and the result says how that was ensured. The same run on the host network (--network host)
 * does get through, so the test can tell the difference. This machine's own non-loopback address stands in for
 * "another machine": no test may reach the internet.
 */
const root = process.getuid?.() === 0;
const address = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
const skip = !root ? 'not root: unshare --net needs CAP_SYS_ADMIN' : !address ? 'no non-loopback IPv4 address to stand in for another machine' : '';

interface Attempt { route: string; ok: boolean; detail: unknown }

async function listeners(): Promise<{ tcp: number; loopbackTcp: number; udp: number; seen: () => { tcp: number; loopbackTcp: number; udp: number }; close: () => void }> {
  const counts = { tcp: 0, loopbackTcp: 0, udp: 0 };
  const tcp = createServer((socket) => { counts.tcp += 1; socket.destroy(); });
  const loopbackTcp = createServer((socket) => { counts.loopbackTcp += 1; socket.destroy(); });
  const udp = createSocket('udp4').on('message', () => { counts.udp += 1; });
  await new Promise<void>((resolve) => tcp.listen(0, address, resolve));
  await new Promise<void>((resolve) => loopbackTcp.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => udp.bind(0, address, resolve));
  const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
  return {
    tcp: port(tcp), loopbackTcp: port(loopbackTcp), udp: udp.address().port,
    seen: () => ({ ...counts }),
    close: () => { tcp.close(); loopbackTcp.close(); udp.close(); },
  };
}

describe.skipIf(skip !== '')(`a preload that tries every route off the machine${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('gets nothing through in an isolated session, and does on the host network', async () => {
    const dir = tempDir();
    copyFileSync(join(fixtures, 'leaky.cjs'), join(dir, 'leaky.cjs'));
    const listening = await listeners();
    try {
      const runWith = async (network: string) => {
        const log = join(dir, `${network}.jsonl`);
        writeFileSync(log, '');
        const file = join(dir, `${network}.yaml`);
        // The env names dodge the configuration check on purpose (no URL or HOST in them): only the namespace stops this.
        writeFileSync(file, `name: leaky-${network}
workload:
  routes: [{ path: /json }]
  rate: 100
  warmup: 0.3s
  duration: 1s
  latencyDuration: 0.3s
  rounds: 1
instrumentations:
  - name: none
  - name: leaky
    preload: ./leaky.cjs
    env:
      LEAK_LOG: ${log}
      LEAK_TCP_TARGETS: "${address}:${listening.tcp},127.0.0.1:${listening.loopbackTcp}"
      LEAK_UDP_TARGETS: "${address}:${listening.udp}"
`);
        const out = join(dir, `out-${network}`);
        const run = await runCli(['run', file, '--out', out, '--network', network]);
        expect(run.code, run.stderr).toBe(0);
        const attempts = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Attempt);
        return { result: readOnlyResult(out), attempts };
      };

      const isolated = await runWith('isolated');
      expect(isolated.result.environment.network?.isolation).toBe('namespace');
      expect(isolated.result.notes.join('\n')).toContain('loopback-only network namespace');
      const routes = new Set(isolated.attempts.map((a) => a.route.split(' ')[0]));
      expect([...routes].sort()).toEqual(['dns', 'http', 'tcp', 'udp']);
      expect(isolated.attempts.filter((a) => a.ok), JSON.stringify(isolated.attempts.filter((a) => a.ok).slice(0, 3))).toEqual([]);
      expect(listening.seen()).toEqual({ tcp: 0, loopbackTcp: 0, udp: 0 });

      // The control: on the host network the same preload reaches this machine's other address and its loopback.
      const host = await runWith('host');
      expect(host.result.environment.network?.isolation).toBe('host');
      expect(host.attempts.some((a) => a.ok && a.route.startsWith('tcp'))).toBe(true);
      expect(listening.seen().tcp).toBeGreaterThan(0);
      expect(listening.seen().loopbackTcp).toBeGreaterThan(0);
    } finally {
      listening.close();
    }
  });
});

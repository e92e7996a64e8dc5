import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ProbeServer, type ProbeConnection } from '../../src/run/probe-server.js';

describe('the probe server', () => {
  it('hands a listener the targets that said hello before it subscribed, and each new one after', async () => {
    const probes = new ProbeServer();
    await probes.listen();
    const hello = (pid: number) => new Promise<void>((resolve) => {
      const socket = connect(probes.path, () => socket.write(`${JSON.stringify({ type: 'hello', pid, node: 'v20', execArgv: [] })}\n`));
      // The server has read it once a listener could have: give it a turn of the loop.
      socket.on('ready', () => setTimeout(resolve, 50));
    });
    try {
      // A target beside a slow partner says hello before its side starts waiting (seen: a lost hello failed the run).
      await hello(101);
      const seen: number[] = [];
      const off = probes.onConnection((c: ProbeConnection) => seen.push(c.hello.pid));
      await hello(102);
      expect(seen).toEqual([101, 102]);
      off();
    } finally {
      await probes.close();
    }
  });
});

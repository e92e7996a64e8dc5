'use strict';
// A stand-in for a team's own tracer: for every HTTP request it builds a span
// record, propagates a trace id header and ships spans in batches as JSON to
// stdout-like sink (here: serialised and dropped), the way small in-house
// tracers usually do. TRACER_LEVEL=2 also records request headers.
const http = require('node:http');
const { randomBytes } = require('node:crypto');

const level = Number(process.env.TRACER_LEVEL || 1);
let batch = [];
let shippedBytes = 0;

function flush() {
  if (batch.length === 0) return;
  shippedBytes += Buffer.byteLength(JSON.stringify(batch));
  batch = [];
}
setInterval(flush, 1000).unref();

const originalEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emit(event, request, response) {
  if (event === 'request') {
    const span = {
      traceId: request.headers['x-trace-id'] || randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      name: `${request.method} ${request.url}`,
      start: process.hrtime.bigint(),
      attributes: level >= 2 ? { ...request.headers } : undefined,
    };
    response.setHeader('x-trace-id', span.traceId);
    response.once('finish', () => {
      span.durationNs = String(process.hrtime.bigint() - span.start);
      span.start = String(span.start);
      span.status = response.statusCode;
      batch.push(span);
      if (batch.length >= 100) flush();
    });
  }
  return originalEmit.apply(this, arguments);
};
module.exports = { shippedBytes: () => shippedBytes };

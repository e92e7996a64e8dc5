'use strict';
// apm-bench's Prometheus preload: the real prom-client (resolved from the target
// app first) with default metrics and an HTTP request-duration histogram
// (method, route, status_code), exposed at GET /metrics on the app's own port,
// as apps usually do. Options arrive as JSON in APM_BENCH_PROMETHEUS_OPTIONS.
const http = require('node:http');
const client = require(process.env.APM_BENCH_PROMETHEUS_MODULE);

const options = JSON.parse(process.env.APM_BENCH_PROMETHEUS_OPTIONS || '{}');
if (options.defaultMetrics !== false) client.collectDefaultMetrics();

const duration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration in seconds',
  labelNames: ['method', 'route', 'status_code'],
  buckets: options.buckets,
});

// Without the framework's route table, ids in paths are folded so labels stay bounded.
function routeOf(url) {
  const path = url.split('?')[0];
  return path.replace(/\/(\d+|[0-9a-f]{8,}|[0-9a-f-]{36})(?=\/|$)/gi, '/:id');
}

const originalEmit = http.Server.prototype.emit;
http.Server.prototype.emit = function emit(event, request, response) {
  if (event !== 'request') return originalEmit.apply(this, arguments);
  if (request.url === options.path) {
    client.register.metrics().then((text) => {
      response.writeHead(200, { 'content-type': client.register.contentType });
      response.end(text);
    }, (error) => {
      response.writeHead(500);
      response.end(String(error));
    });
    return true;
  }
  const end = duration.startTimer({ method: request.method });
  response.once('finish', () => end({ route: routeOf(request.url), status_code: response.statusCode }));
  return originalEmit.apply(this, arguments);
};

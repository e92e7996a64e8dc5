'use strict';
// apm-bench init: records every route a Fastify app registers, from Fastify's own diagnostics channel and onRoute
// hook, without touching the app's code (CommonJS or ESM alike). One JSON line per method and URL.
const dc = require('node:diagnostics_channel');
const fs = require('node:fs');

const file = process.env.APM_BENCH_ROUTES_FILE;

dc.subscribe('fastify.initialization', ({ fastify }) => {
  fastify.addHook('onRoute', (route) => {
    let bodySchema;
    try {
      bodySchema = route.schema && route.schema.body ? JSON.parse(JSON.stringify(route.schema.body)) : undefined;
    } catch {
      bodySchema = undefined; // a TypeBox or zod schema that does not serialise: no sample body
    }
    for (const method of [route.method].flat()) {
      fs.appendFileSync(file, `${JSON.stringify({ method, url: route.url, bodySchema })}\n`);
    }
  });
});

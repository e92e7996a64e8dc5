'use strict';
// apm-bench's Sentry setup, shared by the CommonJS preload (sentry.cjs) and the ESM one (sentry.mjs): initialises the
// real @sentry/node (resolved from the target app first) with the scenario's options, as an app's instrument file would.
// Options arrive as JSON in APM_BENCH_SENTRY_OPTIONS.
module.exports = function initSentry(Sentry, profilingModule) {
  const options = JSON.parse(process.env.APM_BENCH_SENTRY_OPTIONS || '{}');
  const disabled = new Set(options.disableIntegrations || []);
  // Profiling, as an app's instrument.js adds it: @sentry/profiling-node's integration and its sample rates.
  const profiling = profilingModule
    ? {
      extra: [profilingModule.nodeProfilingIntegration()],
      options: {
        ...(options.profilesSampleRate > 0 ? { profilesSampleRate: options.profilesSampleRate } : {}),
        ...(options.profileSessionSampleRate > 0 ? { profileSessionSampleRate: options.profileSessionSampleRate, profileLifecycle: 'trace' } : {}),
      },
    }
    : { extra: [], options: {} };

  // The seed guides' filter_sensitive_data: drop what may carry PII before the event leaves the process.
  const SENSITIVE = /^(authorization|cookie|set-cookie|x-api-key|proxy-authorization)$/i;
  function scrub(event) {
    if (event.request) {
      delete event.request.data;
      delete event.request.cookies;
      delete event.request.query_string;
      if (event.request.headers) {
        for (const name of Object.keys(event.request.headers)) if (SENSITIVE.test(name)) event.request.headers[name] = '[Filtered]';
      }
    }
    if (event.user) event.user = { id: event.user.id };
    return event;
  }
  const scrubbing = options.scrubPii ? { beforeSend: scrub, beforeSendTransaction: scrub } : {};

  Sentry.init({
    dsn: process.env.APM_BENCH_SENTRY_DSN,
    environment: 'bench',
    release: 'apm-bench-target@1.0.0',
    // Ladder L1 (tracing: false) leaves tracing unconfigured: error capture only.
    ...(options.tracing === false ? {} : { tracesSampleRate: options.tracesSampleRate }),
    ...scrubbing,
    // Ladder L3: transactions are built and sampled, then dropped before the transport.
    ...(options.dropTransactions ? { beforeSendTransaction: () => null } : {}),
    sendDefaultPii: Boolean(options.sendDefaultPii),
    ...(options.enabled === false ? { enabled: false } : {}),
    ...profiling.options,
    integrations: (defaults) => [...defaults.filter((integration) => !disabled.has(integration.name)), ...profiling.extra],
  });

  // Fastify errors reach Sentry only through its error handler, which apps add in
  // their own code; the bundled fixture (and any app that wants it) calls this.
  globalThis.__apmBenchSetupFastify = (app) => Sentry.setupFastifyErrorHandler(app);
};

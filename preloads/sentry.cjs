'use strict';
// apm-bench's Sentry preload for CommonJS apps (node --require): Sentry's CommonJS setup, where the SDK is required
// before the app. APM_BENCH_SENTRY_MODULE is the package directory, resolved from the target app first.
const profiling = process.env.APM_BENCH_SENTRY_PROFILING_MODULE ? require(process.env.APM_BENCH_SENTRY_PROFILING_MODULE) : undefined;
require('./sentry-init.cjs')(require(process.env.APM_BENCH_SENTRY_MODULE), profiling);

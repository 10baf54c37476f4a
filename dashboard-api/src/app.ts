// The dashboard API: built here, listened on elsewhere (the runtime), so tests use
// fastify.inject without a socket. One plugin per concern: errors, security (helmet, rate
// limits, CORS, tokens), OpenAPI, metrics, the live stream, and the /api/v1 resources.

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { Counter } from 'prom-client';
import { apiSchema } from '../../gateway/src/config/schema.js';
import type { ApiDeps, ApiOptions } from './deps.js';
import type { ApiContext } from './context.js';
import { errorBody, registerErrors } from './errors.js';
import { FailureLimiter, registerAuth } from './auth.js';
import { registerCors } from './cors.js';
import { registerOpenApi } from './openapi.js';
import { createMetrics, metricsRoute } from './metrics.js';
import { StreamHub, streamRoutes } from './stream.js';
import { LiveState } from './live-state.js';
import { DeviceLastStore } from './device-last-store.js';
import { hashToken, TokenStore } from './token-store.js';
import { alarmRoutes } from './routes/alarms.js';
import { orderRoutes } from './routes/orders.js';
import { hazardRoutes } from './routes/hazards.js';
import { inspectionRoutes } from './routes/inspections.js';
import { hazardReportRoutes } from './routes/hazard-report.js';
import { siteRoutes } from './routes/sites.js';
import { devicesDueRoutes } from './routes/devices-due.js';
import { deviceRoutes } from './routes/devices.js';
import { ruleRoutes } from './routes/rules.js';
import { historyRoutes } from './routes/history.js';
import { auditRoutes } from './routes/audit.js';
import { tokenRoutes } from './routes/tokens.js';
import { meRoutes } from './routes/me.js';
import { sessionRoutes } from './routes/session.js';
import { userRoutes } from './routes/users.js';
import { UserStore } from './users/user-store.js';
import { SessionStore } from './users/session-store.js';
import { PasswordLogin } from './users/password-login.js';
import { configTargets } from './users/scope-check.js';
import { alarmMetricsRoutes } from './routes/alarm-metrics.js';
import { notificationRoutes } from './routes/notifications.js';
import { briefingRoutes } from './routes/briefing.js';
import { exportRoutes } from './routes/export.js';
import { liveSites } from './live-sites.js';
import { fleetRegionRoutes } from './routes/fleet-regions.js';
import { fleetSiteEditRoutes } from './routes/fleet-site-edit.js';
import { fleetSiteRoutes } from './routes/fleet-sites.js';
import { fleetDeviceRoutes } from './routes/fleet-devices.js';
import { deviceImportRoutes } from './routes/devices-import.js';
import { staticPage } from './static.js';
import { MAX_PARAM_LENGTH, registerApiFallback } from './api-fallback.js';
import { boundConnections, timeoutOptions, type ServerBounds } from './server-bounds.js';
import { trustedProxyTest } from './trusted-proxies.js';
import { apiTlsOptions } from './api-tls.js';
import { scopeOf } from './scope-of.js';
import { ALL_ONLY_SCOPES } from '../../gateway/src/registry/scope-reader.js';

export type { ApiDeps } from './deps.js';

/** The page loads only its own scripts, styles and API (static.ts): nothing inline, no CDN. */
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Duty rooms reach the gateway over plain http on a closed network: upgrading would break it.
  upgradeInsecureRequests: null,
};

export function buildApp(deps: ApiDeps): FastifyInstance {
  const options: ApiOptions = { ...apiSchema.parse({}), ...deps.options };
  const clock = deps.clock ?? Date.now;
  const log = deps.log.child({ module: 'api' });
  // Requests are logged by the onResponse hook below, by route and without the query string
  // (the stream's ?access_token= must never reach a log).
  // forceCloseConnections: a client that stops reading must not hold the gateway's shutdown (it
  // held stop() for ~55 s in the browser test's first version).
  const bounds: ServerBounds = {
    idleTimeoutMs: options.timeouts.idleS * 1000,
    headersTimeoutMs: options.timeouts.headersS * 1000,
    requestTimeoutMs: options.timeouts.requestS * 1000,
    keepAliveTimeoutMs: options.timeouts.keepAliveS * 1000,
    maxConnections: options.maxConnections,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress,
  };
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // request.ip is X-Forwarded-For's client only behind a configured proxy: from anyone else the
    // header is a lie that would let one client spend another's limits.
    trustProxy: options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    ...timeoutOptions(bounds),
    // HTTPS when api.tls is set (api-tls.ts); a handshake is held no longer than a request's headers.
    ...(options.tls ? { https: { ...apiTlsOptions(options.tls), handshakeTimeout: bounds.headersTimeoutMs } } : {}),
  }) as unknown as FastifyInstance;
  const isTrustedProxy = trustedProxyTest(options.trustedProxies);
  boundConnections(app.server, bounds, isTrustedProxy, log.child({ module: 'http' }), (err) => deps.onAcceptError?.(err));
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the answers (OpenAPI) and the tests hold the routes to them; checking
  // every answer against them again at run time cost most of the time of a 100-alarm page.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrors(app);

  const tokens = deps.tokens ?? new TokenStore(deps.db, clock);
  for (const t of options.bootstrapTokens) tokens.seed(t.name, t.role, t.tokenHash, 'config', t.scope);
  const users = new UserStore(deps.db, clock);
  const sessions = new SessionStore(deps.db, users, { idleMs: options.sessions.idleMinutes * 60_000, absoluteMs: options.sessions.absoluteHours * 3_600_000 }, clock);
  const failures = new FailureLimiter(options.authFailureLimit.max, options.authFailureLimit.windowS * 1000, clock);
  const ctx: ApiContext = {
    deps,
    options,
    clock,
    audit: deps.audit,
    tokens,
    users,
    sessions,
    login: new PasswordLogin(users, { maxFailures: options.lockout.maxFailures, lockMs: options.lockout.lockMinutes * 60_000 }, clock),
    failures,
    scopeTargets: deps.scopeTargets ?? configTargets({ sites: deps.sites }),
    alarmQuery: deps.alarmList,
    live: new LiveState(new DeviceLastStore(deps.db), clock, (err) => log.warn({ err }, 'device last values not saved to state.db; retried in a few seconds')),
    sites: deps.registry ? liveSites(deps.registry) : new Map(deps.sites.map((s) => [s.id, s])),
    scopes: deps.scopes ?? ALL_ONLY_SCOPES,
  };
  const hub = new StreamHub(
    { replayEvents: options.streamReplayEvents ?? 10_000, maxBufferedBytes: options.streamMaxBufferedBytes ?? 1 << 20, pingMs: options.streamPingS * 1000 },
    log.child({ module: 'stream' }),
    ctx.scopes,
  );
  const metrics = createMetrics(deps, ctx.alarmQuery, hub, clock);
  new Counter({
    name: 'shaobing_login_password_checks_total',
    help: 'Password checks (scrypt) run for logins, for an existing name or not alike; a locked account is refused without one',
    registers: [metrics.registry],
    collect() {
      this.reset();
      this.inc(ctx.login.passwordChecks);
    },
  });
  const detach: (() => void)[] = [() => metrics.detach()];
  if (deps.events) {
    detach.push(ctx.live.attach(deps.events));
    hub.attach(deps.events);
  }
  // Open streams would hold server.close() forever: end them first.
  app.addHook('preClose', async () => hub.close());
  app.addHook('onClose', async () => detach.forEach((f) => f()));

  app.addHook('onResponse', async (request, reply) => {
    const fields = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 400) request.log.info(fields, 'request refused');
    else request.log.debug(fields, 'request');
  });

  void app.register(helmet, { contentSecurityPolicy: { directives: CSP_DIRECTIVES } });
  void app.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowS * 1000,
    // Per token where there is one (a duty room behind one address has several officers).
    keyGenerator: (request) => {
      const header = request.headers.authorization;
      return typeof header === 'string' && header.length > 7 ? `token:${hashToken(header).slice(0, 32)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) => Object.assign(new Error(`rate limit exceeded: retry in ${context.after}`), errorBody(429, `rate limit exceeded: retry in ${context.after}`)),
  });
  // After helmet has loaded, so that its headers are on refusals (401, 403, 429) too.
  app.after(() => {
    registerCors(app, options.corsOrigins);
    registerAuth(app, tokens, sessions, failures, options.streamPingS * 1000);
  });
  registerOpenApi(app);

  app.get('/healthz', { config: { rateLimit: false }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const ready = deps.ready();
    return reply.status(ready ? 200 : 503).send({ ready });
  });
  void app.register(metricsRoute(metrics));

  void app.register(
    async (api) => {
      await api.register(meRoutes(ctx));
      await api.register(sessionRoutes(ctx));
      await api.register(userRoutes(ctx));
      await api.register(siteRoutes(ctx));
      await api.register(devicesDueRoutes(ctx));
      await api.register(deviceRoutes(ctx));
      await api.register(alarmRoutes(ctx));
      await api.register(orderRoutes(ctx));
      await api.register(hazardReportRoutes(ctx));
      await api.register(hazardRoutes(ctx));
      await api.register(inspectionRoutes(ctx));
      await api.register(ruleRoutes(ctx));
      await api.register(historyRoutes(ctx));
      await api.register(auditRoutes(ctx));
      await api.register(tokenRoutes(ctx));
      await api.register(alarmMetricsRoutes(ctx));
      await api.register(notificationRoutes(ctx));
      await api.register(briefingRoutes(ctx));
      await api.register(exportRoutes(ctx));
      await api.register(fleetSiteRoutes(ctx));
      await api.register(fleetDeviceRoutes(ctx));
      await api.register(fleetRegionRoutes(ctx));
      await api.register(fleetSiteEditRoutes(ctx));
      await api.register(deviceImportRoutes(ctx));
      await api.register(streamRoutes(hub, scopeOf));
    },
    { prefix: '/api/v1' },
  );

  registerApiFallback(app);
  // The officers' page and its assets at `/` (the page helper's plugin).
  void app.register(staticPage);
  return app;
}

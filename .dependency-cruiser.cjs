// The parts of Shaobing and the imports allowed between them (docs/architecture.md draws the same
// arrows). `npm test` runs this through `npm run depcheck`; a new module that needs a new arrow
// adds it here and in docs/architecture.md in the same commit.
//
// Parsed with swc (@swc/core): TypeScript 7's native compiler has no JavaScript API for
// dependency-cruiser to call, and swc keeps `import type` apart, so type-only arrows are checked
// too. ("missing-tsc-transpiler" in its output says only that the TypeScript API is absent.)

/** The gateway without its command line: everything that runs inside `startRuntime`. */
const CORE = '^gateway/src/';
/** The command line may compose every part, including the dashboard and the simulators. */
const COMPOSITION = '^gateway/src/(cli|demo|compose)\\.ts$';
/** Pure machines: state and input in, next state and effects out, no I/O. */
const PURE = '^gateway/src/(detect/|alarms/lifecycle\\.ts$|orders/(stop-work|sign-off|order-event|order-types)\\.ts$|hazards/(hazard|hazard-types|deadline)\\.ts$|inspections/(round|window|checklists)\\.ts$|work-orders/(machine|deadline|timeouts)\\.ts$)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-not-to-dashboard-or-simulators',
      severity: 'error',
      comment: 'The gateway core imports neither the dashboard API nor the simulators; the command line (cli.ts, demo.ts, compose.ts) composes them in.',
      from: { path: CORE, pathNot: COMPOSITION },
      to: { path: '^(dashboard-api|simulators)/' },
    },
    {
      name: 'gateway-meets-broker-through-its-adapters',
      severity: 'error',
      comment:
        'The gateway reaches the embedded broker only through the ingress adapters, and only its start/stop and authentication entry points (broker/src/server.ts, auth.ts, and tls-listener.ts for the error its bad files raise); the command line also hashes passwords and login keys.',
      from: { path: CORE, pathNot: ['^gateway/src/ingest/(aedes-ingress|ingress-from-config)\\.ts$', COMPOSITION] },
      to: { path: '^broker/' },
    },
    {
      name: 'broker-reads-only-the-contract',
      severity: 'error',
      comment: 'The broker knows topics and ids (gateway/src/contract), nothing else of the gateway.',
      from: { path: '^broker/' },
      to: { path: '^gateway/', pathNot: '^gateway/src/contract/' },
    },
    {
      name: 'simulators-read-only-the-contract',
      severity: 'error',
      comment: 'A simulated device knows what a real one knows: the wire contract, the demo site it plays, and how a device signs its login.',
      from: { path: '^simulators/' },
      to: { path: '^(gateway|broker|dashboard-api)/', pathNot: ['^gateway/src/contract/', '^gateway/src/config/demo\\.ts$', '^broker/src/signed-login\\.ts$'] },
    },
    {
      name: 'config-and-contract-import-no-service',
      severity: 'error',
      comment: 'Configuration and the wire contract are data and validation: they import no service.',
      from: { path: '^gateway/src/(config|contract)/' },
      to: { path: '^gateway/src/', pathNot: ['^gateway/src/(config|contract)/', '^gateway/src/errors\\.ts$'] },
    },
    {
      name: 'pure-machines-do-no-io',
      severity: 'error',
      comment: 'Detection, the alarm lifecycle and the stop-work machine are pure: nothing from ingest/, store/, notify/, nor a broker, HTTP or database library.',
      from: { path: PURE },
      to: {
        path: ['^gateway/src/(ingest|store|notify|parts)/', '^gateway/src/(runtime|pipeline|events)\\.ts$', '(^|/)node_modules/(mqtt|aedes|fastify|better-sqlite3|@influxdata)/'],
      },
    },
    {
      name: 'store-below-ingest',
      severity: 'error',
      comment: 'The store owns its row types and knows nothing of how messages arrive; the journal (ingest/) writes through it.',
      from: { path: '^gateway/src/store/' },
      to: { path: '^gateway/src/(ingest|alarms|orders|notify|detect|parts)/' },
    },
    {
      name: 'dashboard-through-gateway-faces',
      severity: 'error',
      comment:
        'The API reaches the gateway through what it exports for front ends (runtime.ts GatewayFaces, the events, the contract, config types, the alarm list, export source and audit trail interfaces) and the data types of alarms, orders and history, ' +
        'not through its services\' internals. Its command lines (token-cli.ts, users/user-cli.ts, export/export-cli.ts) may compose. Known exception: the API keeps its own tables (tokens, device last values) in state.db through the store\'s SQLite helpers (store/sqlite.ts).',
      from: { path: '^dashboard-api/', pathNot: ['^dashboard-api/src/token-cli\\.ts$', '^dashboard-api/src/users/user-cli\\.ts$', '^dashboard-api/src/export/export-cli\\.ts$'] },
      to: {
        path: '^gateway/',
        pathNot: [
          '^gateway/src/(contract|config)/',
          '^gateway/src/(runtime|events|log|errors)\\.ts$',
          '^gateway/src/alarms/(lifecycle|alarm-list)\\.ts$',
          '^gateway/src/export/export-source\\.ts$',
          '^gateway/src/registry/(scope-reader|fleet-browser)\\.ts$',
          '^gateway/src/audit/audit-trail\\.ts$',
          // The fleet contract: what a front end reads (Fleet) and writes (FleetWriter), and scopes.
          '^gateway/src/registry/(fleet|fleet-writer|scope-sql)\\.ts$',
          // The registry written as YAML (pure formatting): GET /registry/export.
          '^gateway/src/registry/export-yaml\\.ts$',
          '^gateway/src/orders/(stop-work|order-types)\\.ts$',
          // The hazard ledger as a front end holds it: its data types and its service interface.
          '^gateway/src/hazards/(hazard-types|hazard-service|report-period)\\.ts$',
          // Inspection rounds as a front end holds them: the round's data types and the service interface.
          '^gateway/src/inspections/(round|inspection-service)\\.ts$',
          '^gateway/src/store/telemetry-store\\.ts$',
          '^gateway/src/notify/briefing\\.ts$',
          '^gateway/src/notify/html\\.ts$',
          // Pure wall-clock formatting in a named zone: exports say times as the site's clock.
          '^gateway/src/notify/local-time\\.ts$',
          // Provisioning: device secrets, import rows and their apply through FleetWriter.
          '^gateway/src/registry/provision/',
          // Known exceptions (see comment above).
          '^gateway/src/store/sqlite\\.ts$',
        ],
      },
    },
    {
      name: 'dashboard-meets-broker-for-passwords-and-tls-only',
      severity: 'error',
      comment: 'People\'s passwords are hashed as device passwords are (broker/src/auth.ts, checks queued by scrypt-queue.ts), and the API\'s HTTPS files are read and checked as the broker\'s (tls-context.ts); nothing else of the broker.',
      from: { path: '^dashboard-api/' },
      to: { path: '^broker/', pathNot: '^broker/src/(auth|scrypt-queue|tls-context)\\.ts$' },
    },
    {
      name: 'source-not-to-tests-or-bench',
      severity: 'error',
      comment: 'Shipped code never imports tests or benchmarks.',
      from: { path: '^(gateway|broker|dashboard-api|simulators)/' },
      to: { path: '^(tests|bench)/' },
    },
  ],
  options: {
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/|^dashboard-api/web/' },
  },
};

// The fault scenario library: each scenario is `async (options) => row`, drives the
// real processes (gateway, aedes or Mosquitto, influxd, receivers) with simulated QoS1 devices on
// persistent sessions, and counts what the report shows. Tests assert on the rows; report.ts
// prints them. Shared pieces are in scenarios-common.ts, devices in load.ts.

export { SOAK_OPTIONS, SUITE_OPTIONS, type ScenarioOptions, type ScenarioRow } from './scenarios-common.js';
export { brokerRestartEmbedded, brokerRestartMosquitto } from './scenarios-broker.js';
export { gatewaySigkill } from './scenarios-sigkill.js';
export { outagesTogether } from './scenarios-outages.js';
export { diskFull } from './scenarios-disk.js';

// What an alarm is, from one closed list: every alarm row, notification and API answer carries
// one of these kinds, and each kind says which number means something (alarm-text.ts renders it).
// A kind is not a level: a silent detector and a gas reading may both be yellow, but only the
// second is a concentration.

/** The rule ids of alarms that no configured rule raises (detection's health checks, the
 * interlock's actuator checks, the gateway's self-checks and the site's flood alarm). */
export const STALE_RULE = 'stale';
export const OFFLINE_RULE = 'offline';
export const FAULT_RANGE_RULE = 'fault:range';
export const FAULT_STUCK_RULE = 'fault:stuck';
export const FAULT_DEVICE_RULE = 'fault:device';
/** An actuator that refused or never confirmed its stop-work command. */
export const ACTUATOR_RULE = 'actuator:unconfirmed';
/** An actuator that acked but whose position reads back unsafe. */
export const ACTUATOR_POSITION_RULE = 'actuator:position';
export const FLOOD_RULE = 'flood';
export const GATEWAY_RULE_PREFIX = 'system:';

/** The reserved site of the gateway's own alarms; no configured site may take this id. */
export const SYSTEM_SITE = '_gateway';

export const ALARM_KINDS = [
  /** A reading against set points: the value is the reading (the quantity's unit). */
  'threshold',
  /** A rise or fall within a window of reading time: the value is the change within the rule's
   * window (the quantity's unit), negative for a fall, which the set points compare; the alarm
   * also carries the window and the speed (rateWindowS, ratePerS), said as m/h or %LEL/min. */
  'rate',
  /** Time-weighted CO exposure: the value is the dose, 1 = the EN 50291-1 alarm point. */
  'dose',
  /** A sensor silent for longer than its period (数据中断): the value is seconds of silence. */
  'stale',
  /** A device whose last will or status says offline (设备离线): no number. */
  'offline',
  /** Readings outside the quantity's physical range: the value is the impossible reading. */
  'fault_range',
  /** A reading unchanged for too long: the value is the stuck reading. */
  'fault_stuck',
  /** Fault codes the device itself reports: the value is how many codes. */
  'fault_device',
  /** An actuator that never confirmed its stop-work command: the value is the sends. */
  'actuator_unconfirmed',
  /** An actuator that acked but reads back unsafe. */
  'actuator_position',
  /** The gateway's own trouble (a message or data lost): the value is a count of what was lost. */
  'gateway',
  /** Too many alarms at one site at once (ISA-18.2 flood): the value is the alarm count. */
  'flood',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/** The kinds that configured rules raise (the rule's own `kind`). */
export type RuleAlarmKind = 'threshold' | 'rate' | 'dose';

/** The gateway conditions that raise a `gateway` alarm (alarms/system-alarms.ts). */
export const GATEWAY_CONDITIONS = [
  /** A notification failed after its last retry: someone was not told of an alarm. */
  'notify_failed',
  /** The spool dropped its oldest readings (keep-newest policy): history has a hole. */
  'spool_overflow',
  /** InfluxDB refused points with a 4xx (kept in the reject file): history has a hole. */
  'influx_rejected',
  /** The data directory's disk is full: readings are held unacknowledged until there is space. */
  'disk_full',
  /** The process is (nearly) out of file descriptors: new devices and officers cannot connect. */
  'descriptors_exhausted',
  /** The broker's TLS certificate expires within 14 days or has expired: devices that check it
   * will stop connecting, and every detector of the fleet would go silent at once. */
  'tls_cert_expiring',
  /** The API's HTTPS certificate (api.tls) expires within 14 days or has expired: browsers refuse
   * the officers' page and its live stream. */
  'api_tls_cert_expiring',
] as const;
export type GatewayCondition = (typeof GATEWAY_CONDITIONS)[number];

/** The actuators a stop-work order commands. */
export type ActuatorKind = 'valve' | 'fan';

const BY_RULE: Readonly<Record<string, AlarmKind>> = {
  [STALE_RULE]: 'stale',
  [OFFLINE_RULE]: 'offline',
  [FAULT_RANGE_RULE]: 'fault_range',
  [FAULT_STUCK_RULE]: 'fault_stuck',
  [FAULT_DEVICE_RULE]: 'fault_device',
  [ACTUATOR_RULE]: 'actuator_unconfirmed',
  [ACTUATOR_POSITION_RULE]: 'actuator_position',
  [FLOOD_RULE]: 'flood',
};

/**
 * The kind of an alarm from its rule id, for rows written before alarms carried their kind: the
 * reserved ids say it; a configured rule id says it through `ruleKinds` (the config's rules), and
 * a rule no longer configured is taken as a threshold rule, the default kind of a rule.
 */
export function alarmKindOfRule(ruleId: string, ruleKinds?: ReadonlyMap<string, RuleAlarmKind>): AlarmKind {
  const reserved = BY_RULE[ruleId];
  if (reserved !== undefined) return reserved;
  if (ruleId.startsWith(GATEWAY_RULE_PREFIX)) return 'gateway';
  return ruleKinds?.get(ruleId) ?? 'threshold';
}

/** The SQL that fills `kind` from `rule_id` for rows written before the column existed. */
export function alarmKindSql(column: string): string {
  const cases = Object.entries(BY_RULE).map(([rule, kind]) => `WHEN '${rule}' THEN '${kind}'`);
  return `CASE ${column} ${cases.join(' ')} ELSE (CASE WHEN ${column} LIKE '${GATEWAY_RULE_PREFIX}%' THEN 'gateway' ELSE 'threshold' END) END`;
}

export function isAlarmKind(s: string): s is AlarmKind {
  return (ALARM_KINDS as readonly string[]).includes(s);
}

/** Kinds about the alarm's quantity (a reading, its rate or its dose): messages name the quantity. */
export function isReadingKind(kind: AlarmKind): boolean {
  return kind === 'threshold' || kind === 'rate' || kind === 'dose' || kind === 'fault_range' || kind === 'fault_stuck';
}

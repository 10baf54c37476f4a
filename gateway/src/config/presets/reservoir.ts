// Reservoir or river water level (水库 / 河道水位). The characteristic levels belong to each gauge,
// so this preset is a function of them; colours follow flood-warning practice (blue IV … red I).

import { ConfigError, type ConfigProblem } from '../../errors.js';
import type { RuleInput } from './types.js';

export interface ReservoirLevels {
  /** 汛限水位 of a reservoir; for a river gauge, its 设防水位 (levee watch begins). Metres, gauge datum. */
  readonly floodLimitM: number;
  /** 警戒水位. */
  readonly warningM: number;
  /** 保证水位: the highest level the levees or dam are rated to hold. */
  readonly guaranteedM: number;
  /** 历史最高水位, or a dam-safety level from the dam's safety assessment: the red boundary. */
  readonly historicalMaxM: number;
  /** How far below the warning level blue starts (approaching 警戒水位). */
  readonly approachM?: number;
  /** Rule id, so that a site with two gauges can hold two rules. */
  readonly id?: string;
  /** Whether red issues a stop-work order; flood response is the flood-control HQ's call, so off. */
  readonly stopWork?: boolean;
}

export const DEFAULT_APPROACH_M = 0.5; // not confirmed: no national "approaching" margin found; per site
export const LEVEL_DEADBAND_FRACTION = 0.05; // ISA-18.2 / EEMUA 191 starting point for level: 5 % of span
export const LEVEL_ON_DELAY_S = 60; // ISA-18.2 / EEMUA 191 starting point for level: 60 s
export const RESERVOIR_RULE_ID = 'reservoir-level';
/** The rise rule's id is the level rule's with this suffix: `reservoir-level-rise`, `gauge-2-rise`. */
export const RISE_RULE_SUFFIX = '-rise';

const NAMES = ['floodLimitM', 'warningM', 'guaranteedM', 'historicalMaxM'] as const;

/** What is wrong with a gauge's levels, each with the field and how to fix it; empty when usable. */
export function reservoirLevelProblems(levels: ReservoirLevels): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of NAMES) {
    if (typeof levels[name] !== 'number' || !Number.isFinite(levels[name])) {
      problems.push({ path: name, message: `${name} must be a number of metres on the gauge datum (got ${String(levels[name])})` });
    }
  }
  const approach = levels.approachM ?? DEFAULT_APPROACH_M;
  if (typeof approach !== 'number' || !Number.isFinite(approach) || approach < 0.001) {
    problems.push({ path: 'approachM', message: `approachM must be a positive number of metres, at least 0.001 (got ${String(approach)}); the default is ${DEFAULT_APPROACH_M}` });
  }
  if (problems.length > 0) return problems; // the order checks below need numbers
  const { floodLimitM, warningM, guaranteedM, historicalMaxM } = levels;
  const sameDatum = 'check that every level is read on the same gauge datum';
  if (!(warningM > floodLimitM)) {
    problems.push({ path: 'warningM', message: `warningM (${warningM}) must be above floodLimitM (${floodLimitM}): the warning level 警戒水位 lies above the flood-limit level 汛限水位 (设防水位 on a river); ${sameDatum}` });
  }
  if (!(guaranteedM > warningM)) {
    problems.push({ path: 'guaranteedM', message: `guaranteedM (${guaranteedM}) must be above warningM (${warningM}): the guaranteed level 保证水位 is the highest the levees are rated to hold, above 警戒水位; ${sameDatum}` });
  }
  if (!(historicalMaxM >= guaranteedM)) {
    problems.push({
      path: 'historicalMaxM',
      message: `historicalMaxM (${historicalMaxM}) must be at or above guaranteedM (${guaranteedM}): red lies beyond orange; where the record is lower than 保证水位, give the guaranteed level or a dam-safety level above it as the red boundary`,
    });
  }
  return problems;
}

/** Strips float noise (27.3 − 0.5) without moving a level by anything a gauge could read. */
const clean = (m: number): number => Number(m.toFixed(6));

/**
 * The level rule for one gauge. Blue: above the flood-limit level, or within `approachM` of the
 * warning level, whichever comes first; yellow at 警戒水位; orange at 保证水位; red at the historical
 * maximum. Where the historical maximum IS the guaranteed level (Wuhan Guan: both 29.73 m), the
 * level is red at once and orange has no band of its own, so it is left out. Then the rise rule:
 * a fast climb is orange before any set point is reached.
 * Throws ConfigError naming each bad field.
 */
export function reservoirRules(levels: ReservoirLevels): RuleInput[] {
  const problems = reservoirLevelProblems(levels);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => ({ path: `reservoirLevels.${p.path}`, message: p.message })));
  const { floodLimitM, warningM, guaranteedM, historicalMaxM } = levels;
  const approachM = levels.approachM ?? DEFAULT_APPROACH_M;
  const spanM = guaranteedM - floodLimitM; // the band the warnings live in: flood-limit → guaranteed
  const id = levels.id ?? RESERVOIR_RULE_ID;
  return [
    {
      id,
      quantity: 'water_level_m',
      direction: 'above',
      levels: {
        blue: Math.min(floodLimitM, clean(warningM - approachM)), // flood-warning practice: above 汛限水位 or approaching 警戒水位
        yellow: warningM, // flood-warning practice: at or above 警戒水位
        ...(historicalMaxM > guaranteedM ? { orange: guaranteedM } : {}), // at or above 保证水位
        red: historicalMaxM, // at or above the historical maximum / dam-safety level
      },
      deadband: Math.round(LEVEL_DEADBAND_FRACTION * spanM * 1000) / 1000, // to the mm
      onDelayS: LEVEL_ON_DELAY_S,
      stopWork: levels.stopWork ?? false,
    },
    {
      id: `${id}${RISE_RULE_SUFFIX}`,
      kind: 'rate',
      quantity: 'water_level_m',
      direction: 'rise',
      windowS: 3600, // not confirmed: an example, "water rising 0.3 m in an hour → orange"
      levels: { orange: 0.3 }, // not confirmed as a national number: per-site setting
      stopWork: false, // orange only; flood response is the flood-control HQ's call
    },
  ];
}


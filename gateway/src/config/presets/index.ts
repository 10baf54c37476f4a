// The site-type presets by name. A site picks one (resolve-rules.ts) and overrides any number;
// the reservoir preset is a function of the gauge's characteristic levels.

import { KITCHEN_RULES } from './kitchen.js';
import { CONFINED_SPACE_RULES } from './confined-space.js';
import { COLD_STORAGE_RULES } from './cold-storage.js';
import { HEAT_RULES } from './heat.js';
import { reservoirRules, type ReservoirLevels } from './reservoir.js';
import { UTILITY_TUNNEL_RULES } from './utility-tunnel.js';
import { VALVE_WELL_RULES } from './valve-well.js';
import type { Preset, RuleInput } from './types.js';

export type { Preset, RuleInput } from './types.js';
export type { ReservoirLevels } from './reservoir.js';

/** Presets that are plain lists of rules. */
export const FIXED_PRESET_NAMES = ['restaurant_kitchen', 'valve_well', 'confined_space', 'cold_storage', 'outdoor_heat', 'utility_tunnel'] as const;
export type FixedPresetName = (typeof FIXED_PRESET_NAMES)[number];
/** Every preset a site can name; `reservoir` also needs its gauge levels. */
export const PRESET_NAMES = [...FIXED_PRESET_NAMES, 'reservoir'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export const PRESETS: Readonly<Record<FixedPresetName, Preset>> = {
  restaurant_kitchen: { title: 'Restaurant kitchen', titleZh: '餐饮场所燃气', rules: KITCHEN_RULES },
  valve_well: { title: 'Gas valve well / adjacent underground space', titleZh: '燃气阀门井及相邻地下空间', rules: VALVE_WELL_RULES },
  confined_space: { title: 'Confined-space work', titleZh: '有限空间作业', rules: CONFINED_SPACE_RULES },
  cold_storage: { title: 'Ammonia cold storage (temperature)', titleZh: '氨制冷冷库温度', rules: COLD_STORAGE_RULES },
  outdoor_heat: { title: 'Outdoor heat', titleZh: '户外高温', rules: HEAT_RULES },
  utility_tunnel: { title: 'Utility-tunnel gas compartment', titleZh: '综合管廊天然气舱', rules: UTILITY_TUNNEL_RULES },
};

export interface ParametricPreset<P> {
  readonly title: string;
  readonly titleZh: string;
  readonly rules: (params: P) => RuleInput[];
}

export const RESERVOIR_PRESET: ParametricPreset<ReservoirLevels> = {
  title: 'Reservoir / river water level',
  titleZh: '水库河道水位',
  rules: reservoirRules,
};

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(name);
}

export function isFixedPresetName(name: PresetName): name is FixedPresetName {
  return name !== 'reservoir';
}

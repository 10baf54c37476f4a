// Inspection checklists (巡检表) per site-type preset, as data: what an inspector checks on a round
// and where the duty to check it comes from. A checklist item names its source so a site owner can
// see why it is asked; where no standard is named with confidence the source says so.

import type { FixedPresetName } from '../config/presets/index.js';
import type { HazardCategory } from '../hazards/hazard-types.js';

export interface ChecklistItem {
  /** Stable id, stored with each recorded result. */
  readonly id: string;
  readonly title: string;
  readonly titleZh: string;
  /** The published source of the duty, or the reason it is a house default. */
  readonly source: string;
  /** The hazard-ledger category a failure of this item is filed under. */
  readonly category: HazardCategory;
}

export interface Checklist {
  readonly id: string;
  readonly title: string;
  readonly titleZh: string;
  readonly items: readonly ChecklistItem[];
}

const CJJ_51 = 'CJJ 51-2016 城镇燃气设施运行、维护和抢修安全技术规程 (user installations inspected on a regular cycle)';

/** Monthly restaurant gas check (餐饮场所燃气月检). */
export const KITCHEN_CHECKLIST: Checklist = {
  id: 'restaurant-kitchen-monthly',
  title: 'Monthly restaurant gas check',
  titleZh: '餐饮场所燃气月度检查',
  items: [
    { id: 'hose-condition', category: 'hose_pipe', title: 'Gas hose: within its service life, no cracks, ageing or kinks, clamps tight', titleZh: '燃气软管在使用年限内、无老化龟裂、卡箍牢固', source: `GB 50028-2006 城镇燃气设计规范 (hose connections to appliances); ${CJJ_51}` },
    { id: 'valve-works', category: 'valve', title: 'Appliance and meter valves close fully and the emergency shut-off valve operates', titleZh: '灶前阀、表前阀关闭严密，紧急切断阀动作可靠', source: CJJ_51 },
    { id: 'detector-tested', category: 'detector', title: 'Gas detector tested (alarm sounds, valve closes) and within its verification period', titleZh: '燃气报警器测试报警及联动切断，检定在有效期内', source: 'JJG 693-2011 可燃气体检测报警器检定规程 (verification interval normally not over one year)' },
    { id: 'ventilation', category: 'ventilation', title: 'Ventilation and exhaust run, air inlets not blocked', titleZh: '通风排烟设施运行正常，进风口无遮挡', source: 'GB 50028-2006 城镇燃气设计规范 (ventilation of rooms with gas appliances)' },
    { id: 'no-leak', category: 'gas_leak', title: 'No gas smell; joints checked with soap solution or a portable detector', titleZh: '无燃气异味，接口用检漏液或便携式检测仪检查', source: CJJ_51 },
  ],
};

/** A short generic round for preset types whose own checklist is not written yet. */
function genericChecklist(preset: string, title: string, titleZh: string): Checklist {
  const house = 'House default: a detector that is not seen and tested is assumed not to work';
  return {
    id: `${preset}-monthly`,
    title: `Monthly check: ${title}`,
    titleZh: `${titleZh}月度检查`,
    items: [
      { id: 'detector-tested', category: 'detector', title: 'Detectors tested and within their verification period', titleZh: '探测器测试正常并在检定有效期内', source: 'JJG 693-2011 可燃气体检测报警器检定规程 (combustible-gas detectors); other sensors: the maker’s interval' },
      { id: 'detector-placement', category: 'detector', title: 'Detectors in place, unobstructed, not covered or unplugged', titleZh: '探测器位置正确，无遮挡、无覆盖、未断电', source: house },
      { id: 'actuators-work', category: 'valve', title: 'Valves and fans driven by the gateway operate when commanded', titleZh: '联动阀门、风机动作正常', source: house },
      { id: 'contact-current', category: 'management', title: 'Site contact and duty phone numbers current', titleZh: '场所联系人及值班电话有效', source: 'House default: an alarm nobody can be reached for is a missed alarm' },
    ],
  };
}

export const CHECKLISTS: Readonly<Record<FixedPresetName | 'reservoir', Checklist>> = {
  restaurant_kitchen: KITCHEN_CHECKLIST,
  valve_well: genericChecklist('valve-well', 'gas valve well', '燃气阀门井'),
  confined_space: genericChecklist('confined-space', 'confined space', '有限空间'),
  cold_storage: genericChecklist('cold-storage', 'cold storage', '冷库'),
  outdoor_heat: genericChecklist('outdoor-heat', 'outdoor heat', '户外高温'),
  utility_tunnel: genericChecklist('utility-tunnel', 'utility tunnel', '综合管廊'),
  reservoir: genericChecklist('reservoir', 'reservoir gauges', '水库水位'),
};

/** The checklist for a site's preset; a site without a preset gets the kitchen's sibling generic list. */
export function checklistFor(preset: string | undefined): Checklist {
  if (preset !== undefined && preset in CHECKLISTS) return CHECKLISTS[preset as keyof typeof CHECKLISTS];
  return genericChecklist('site', 'site', '场所');
}

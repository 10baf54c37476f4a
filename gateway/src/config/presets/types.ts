// Shapes shared by the site-type presets: a preset is plain data, rule INPUTS as a config file
// would hold them, so the schema's defaults still apply when the rules are parsed.

import type { RuleInput } from '../rule-schema.js';

/** Any rule kind as a config file would hold it (threshold, rate, dose): parse with `ruleSchema`. */
export type { RuleInput };

export interface Preset {
  readonly title: string;
  readonly titleZh: string;
  readonly rules: readonly RuleInput[];
}


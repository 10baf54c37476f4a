// Shapes shared by the site-type presets: a preset is plain data, rule INPUTS as a config file
// would hold them, so the schema's defaults still apply when the rules are parsed.

import type { z } from 'zod';
import type { Level } from '../../contract/levels.js';
import type { Quantity } from '../quantities.js';
import type { thresholdRuleSchema } from '../schema.js';

export type RuleInput = z.input<typeof thresholdRuleSchema>;

export interface Preset {
  readonly title: string;
  readonly titleZh: string;
  readonly rules: readonly RuleInput[];
}

/**
 * A rise-rate rule written ahead of the `kind: 'rate'` schema a colleague is adding: a rise of
 * `levels[x]` (in the quantity's unit) within `windowS` raises level x. These are kept OUT of the
 * preset registry; the integrator adds them to the presets once the rate kind is in schema.ts.
 */
export interface PendingRateRule {
  readonly id: string;
  readonly kind: 'rate';
  readonly quantity: Quantity;
  readonly direction: 'rise';
  readonly windowS: number;
  readonly levels: Readonly<Partial<Record<Level, number>>>;
  readonly stopWork?: boolean;
}

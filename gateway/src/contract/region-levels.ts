// Region levels from the top: province → city → county → town or street → grid (网格), the
// administrative ladder a county safety bureau and a city gas company both report along.

export const REGION_LEVELS = ['province', 'city', 'county', 'town', 'grid'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

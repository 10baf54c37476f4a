// The region tree and the organisations of the config file (and of the registry, which holds the
// same records): one schema each, used by the file, the API and the registry's writes.

import { z } from 'zod';
import { REGION_LEVELS } from '../contract/region-levels.js';
import { id } from './rule-schema.js';

export const regionSchema = z
  .object({
    id,
    name: z.string().min(1).max(200),
    level: z.enum(REGION_LEVELS),
    /** Absent for a root (a province, or the top the gas company serves). */
    parent: id.optional(),
    /** The officers responsible for this node (names as on the duty roster). */
    officers: z.array(z.string().min(1).max(100)).default([]),
  })
  .strict();
export type RegionConfig = z.infer<typeof regionSchema>;

export const organisationSchema = z.object({ id, name: z.string().min(1).max(200) }).strict();
export type OrganisationConfig = z.infer<typeof organisationSchema>;

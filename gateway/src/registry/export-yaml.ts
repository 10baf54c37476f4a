// The registry written back as configuration as code: regions, organisations and sites with their
// devices, as YAML the config loader accepts and that applies back to the same registry
// (apply-config.ts). A device carries its password hash or login key, never a secret.

import { stringify } from 'yaml';
import type { OrganisationConfig, RegionConfig, SiteConfig } from '../config/schema.js';
import type { RegionRecord } from './fleet-writer.js';

export interface RegistryContent {
  /** Parents before children (by path). */
  readonly regions: readonly RegionRecord[];
  readonly organisations: readonly OrganisationConfig[];
  readonly sites: readonly SiteConfig[];
}

/** The registry as a YAML document with `regions`, `organisations` and `sites`. */
export function exportYaml(content: RegistryContent, generatedAt: string): string {
  const regions: RegionConfig[] = content.regions.map((r) => ({ id: r.id, name: r.name, level: r.level, ...(r.parent !== undefined ? { parent: r.parent } : {}), officers: [...r.officers] }));
  const doc = {
    regions,
    organisations: content.organisations.map((o) => ({ id: o.id, name: o.name })),
    sites: content.sites,
  };
  // Devices of one profile share one channels object (share-channels.ts): written out in full
  // each time, not as YAML anchors a person editing the file would trip over.
  const body = stringify(doc, { aliasDuplicateObjects: false, lineWidth: 0 });
  return `# Shaobing fleet registry, exported ${generatedAt} (shaobing registry export).\n# Apply it as the sites, regions and organisations of a config file.\n${body}`;
}

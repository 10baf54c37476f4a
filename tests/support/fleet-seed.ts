// A fleet of restaurant kitchens written straight into a state.db's registry tables, for the page's
// tests and bench: a province of cities, counties and towns (about 100 regions), thousands of sites
// spread over the towns, one detector each with its CJJ/T 146-2011 replacement day, and some active
// alarms. Deterministic: the same call writes the same fleet. Write it while the gateway is stopped
// (fixture.ts startSeeded): the running registry holds the fleet in memory from its start. Two sites carry 烧烤 (one in its name,
// one only in its address); no other name or address does, so a search can be checked exactly.

import type Database from 'better-sqlite3';
import { migrateRegistry } from '../../gateway/src/registry/tables.js';
import { deviceSchema, siteSchema } from '../../gateway/src/config/schema.js';

export interface SeededRegion {
  readonly id: string;
  readonly parent: string | null;
  readonly name: string;
  readonly level: 'province' | 'city' | 'county' | 'town';
  readonly path: string;
}

export interface SeededSite {
  readonly id: string;
  readonly name: string;
  readonly address: string;
  readonly region: string;
  /** Worst active level seeded for it, or null. */
  readonly level: 'red' | 'orange' | 'yellow' | 'blue' | null;
}

export interface SeededFleet {
  readonly regions: SeededRegion[];
  readonly sites: SeededSite[];
  /** The site whose name holds 烧烤, and the one whose address alone holds it. */
  readonly bbqByName: SeededSite;
  readonly bbqByAddress: SeededSite;
  /** Devices seeded overdue (replaceBy before today) and due within 30 days. */
  readonly overdue: number;
  readonly dueSoon: number;
}

const CITIES = ['武汉市', '宜昌市', '襄阳市', '荆州市'];
const COUNTIES = ['江岸区', '江汉区', '硚口区', '汉阳区', '武昌区', '青山区'];
const TOWNS = ['街道一', '街道二', '街道三'];
const FOODS = ['面馆', '火锅店', '饺子馆', '小炒', '米粉店', '包子铺', '茶餐厅', '食堂', '热干面', '酒楼'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '徐', '孙'];
const ROADS = ['解放路', '中山大道', '建设大道', '友谊路', '胜利街', '沿江大道', '民主路'];
const DAY = 86_400_000;

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** A well-formed scrypt hash of no known password: the seeded detectors never log in. */
const NO_LOGIN_HASH = 'scrypt$16384$8$1$c2VlZGVkLWZsZWV0$bm8tcGFzc3dvcmQtbWF0Y2hlcy10aGlz';

/** The seeded region tree: 1 province, 4 cities, 24 counties, 72 towns (101 regions). */
export function seededRegions(): SeededRegion[] {
  const out: SeededRegion[] = [{ id: 'hb', parent: null, name: '湖北省', level: 'province', path: '/hb/' }];
  CITIES.forEach((city, c) => {
    const cityId = `c${c}`;
    out.push({ id: cityId, parent: 'hb', name: city, level: 'city', path: `/hb/${cityId}/` });
    COUNTIES.forEach((county, k) => {
      const countyId = `${cityId}k${k}`;
      // County names repeat across cities in this made-up province; the city makes them distinct.
      out.push({ id: countyId, parent: cityId, name: c === 0 ? county : `${city.slice(0, 2)}${county}`, level: 'county', path: `/hb/${cityId}/${countyId}/` });
      TOWNS.forEach((town, t) => {
        const townId = `${countyId}t${t}`;
        out.push({ id: townId, parent: countyId, name: `${county.slice(0, 2)}${town}`, level: 'town', path: `/hb/${cityId}/${countyId}/${townId}/` });
      });
    });
  });
  return out;
}

/** Writes `count` sites (and the regions, detectors and alarms) into `db`; `nowMs` sets the due days. */
export function seedFleet(db: Database.Database, count: number, nowMs: number): SeededFleet {
  migrateRegistry(db);
  const regions = seededRegions();
  const towns = regions.filter((r) => r.level === 'town');
  const sites: SeededSite[] = [];
  let overdue = 0;
  let dueSoon = 0;
  const putRegion = db.prepare(`INSERT INTO region (id, parent, name, level, path, officers, source) VALUES (?, ?, ?, ?, ?, ?, 'registry')`);
  const putSite = db.prepare(`INSERT INTO fleet_site (id, name, address, region, org, body, source, updated_ms) VALUES (?, ?, ?, ?, NULL, ?, 'registry', ?)`);
  const putDevice = db.prepare(`INSERT INTO fleet_device (site, id, kind, body, replace_by, source, updated_ms) VALUES (?, 'gas-1', 'detector', ?, ?, 'registry', ?)`);
  const putAlarm = db.prepare(
    `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
     VALUES (?, ?, 'gas-1', 'ch4', 'methane_lel', 'kitchen-methane', ?, ?, 30, 30, 'active_unacked', ?, ?)`,
  );
  db.transaction(() => {
    for (const r of regions) putRegion.run(r.id, r.parent, r.name, r.level, r.path, JSON.stringify(r.level === 'county' ? [`${r.name}值班员`] : []));
    for (let i = 0; i < count; i++) {
      const town = towns[i % towns.length]!;
      const id = `s${String(i).padStart(5, '0')}`;
      let name = `${SURNAMES[i % SURNAMES.length]}记${FOODS[Math.floor(i / SURNAMES.length) % FOODS.length]} ${i + 1}号店`;
      let address = `${town.name}${ROADS[i % ROADS.length]}${(i % 300) + 1}号`;
      if (i === 7) name = '江边烧烤';
      if (i === 11) address = `${town.name}烧烤一条街${(i % 300) + 1}号`;
      // Every 53rd site red, 37th orange, 29th yellow, 23rd blue (the first that applies).
      const level = i % 53 === 0 ? 'red' : i % 37 === 0 ? 'orange' : i % 29 === 0 ? 'yellow' : i % 23 === 0 ? 'blue' : null;
      const site: SeededSite = { id, name, address, region: town.id, level };
      sites.push(site);
      // Bodies as the registry writes them: parsed by the config schema, defaults filled in.
      const { devices: _none, ...body } = siteSchema.parse({ id, name, address, region: town.id, contact: `${SURNAMES[i % SURNAMES.length]}师傅`, contactPhone: `1380000${String(i).padStart(4, '0')}`, devices: [] });
      putSite.run(id, name, address, town.id, JSON.stringify(body), nowMs);
      // CJJ/T 146-2011: a commercial kitchen's detector serves 3 years. Installed so that every
      // 40th is overdue and every 40th (offset) falls due within the coming 30 days.
      const replaceByMs = i % 40 === 0 ? nowMs - ((i % 90) + 1) * DAY : i % 40 === 20 ? nowMs + ((i % 28) + 1) * DAY : nowMs + (60 + (i % 900)) * DAY;
      if (i % 40 === 0) overdue++;
      if (i % 40 === 20) dueSoon++;
      const installedOn = isoDay(replaceByMs - 3 * 365 * DAY);
      const device = deviceSchema.parse({ id: 'gas-1', kind: 'detector', auth: 'static', passwordHash: NO_LOGIN_HASH, channels: { ch4: { quantity: 'methane_lel' } }, installedOn, replaceBy: isoDay(replaceByMs) });
      putDevice.run(id, JSON.stringify(device), isoDay(replaceByMs), nowMs);
      if (level) putAlarm.run(`seed-${id}`, id, level, level, nowMs - (i % 600) * 1000, nowMs);
    }
  })();
  return { regions, sites, bbqByName: sites[7]!, bbqByAddress: sites[11]!, overdue, dueSoon };
}

// The columns of a device import file: what each is called in English and in Chinese, and how a
// header cell as people write it ("安装日期（YYYY-MM-DD）", "Installed on") finds its column.

export const DEVICE_COLUMNS = ['site', 'device', 'kind', 'channels', 'space', 'installedOn', 'replaceBy', 'auth', 'staleAfterS', 'staleLevel', 'obeys'] as const;
/** Columns that create a site named in the file that the registry does not hold yet. */
export const SITE_COLUMNS = ['siteName', 'address', 'region', 'org', 'contact', 'contactPhone', 'preset', 'lat', 'lon'] as const;
export type ImportColumn = (typeof DEVICE_COLUMNS)[number] | (typeof SITE_COLUMNS)[number];

/** Header names accepted for each column, the first being the one this project writes. */
export const COLUMN_NAMES: Record<ImportColumn, readonly string[]> = {
  site: ['site', '站点', '站点编号', '站点id'],
  device: ['device', '设备', '设备编号', '设备id'],
  kind: ['kind', '类型', '设备类型'],
  channels: ['channels', '通道'],
  space: ['space', '空间', '区域空间'],
  installedOn: ['installedOn', '安装日期'],
  replaceBy: ['replaceBy', '更换日期', '到期更换日期'],
  auth: ['auth', '认证', '认证方式'],
  staleAfterS: ['staleAfterS', '离线判定秒', '离线判定'],
  staleLevel: ['staleLevel', '离线级别'],
  obeys: ['obeys', '服从站点'],
  siteName: ['siteName', '站点名称', '名称'],
  address: ['address', '地址'],
  region: ['region', '区域', '行政区'],
  org: ['org', '单位', '燃气公司', 'organisation'],
  contact: ['contact', '联系人'],
  contactPhone: ['contactPhone', '联系电话', '电话'],
  preset: ['preset', '预设', '场所类型'],
  lat: ['lat', '纬度', 'latitude'],
  lon: ['lon', '经度', 'longitude', 'lng'],
};

/** "Installed on", "installed_on" and "INSTALLEDON" are one name; a unit or example in brackets
 * after the name ("安装日期（YYYY-MM-DD）") is not part of it. */
export function headerKey(text: string): string {
  return text
    .trim()
    .replace(/\s*[（(][^）)]*[）)]\s*$/, '')
    .replace(/[\s_-]/g, '')
    .toLowerCase();
}

const BY_KEY = new Map<string, ImportColumn>(
  (Object.entries(COLUMN_NAMES) as [ImportColumn, readonly string[]][]).flatMap(([column, names]) => names.map((n) => [headerKey(n), column] as const)),
);

export function columnOf(header: string): ImportColumn | undefined {
  return BY_KEY.get(headerKey(header));
}

/** Words installers write for a device's kind and its login, beside the config's own. */
export const KIND_WORDS: Record<string, string> = {
  detector: 'detector', 探测器: 'detector', 报警器: 'detector', 可燃气体探测器: 'detector', 传感器: 'detector',
  valve: 'valve', 阀门: 'valve', 切断阀: 'valve', 紧急切断阀: 'valve', 电磁阀: 'valve',
  fan: 'fan', 风机: 'fan', 排风扇: 'fan', 排风机: 'fan',
};
export const AUTH_WORDS: Record<string, 'signed' | 'static'> = { signed: 'signed', 签名: 'signed', 动态: 'signed', static: 'static', 静态: 'static', 固定密码: 'static' };

// The words of the admin panel (people's accounts, the region tree's editor), in the page's language
// (i18n.js currentLang), kept beside i18n.js like site-admin-text.js.

import { currentLang } from './i18n.js';

const STRINGS = {
  zh: {
    adminTitle: '系统管理',
    usersTitle: '用户',
    newUser: '新建用户',
    newUserTitle: '新建用户',
    userName: '登录名',
    userNameHint: '字母、数字及 . _ - @，例如 li.ming',
    displayName: '姓名',
    role: '角色',
    scope: '管辖范围',
    scopeAll: '全部（整个系统）',
    scopeRegion: '区域 · {name}',
    scopeOrg: '单位 · {name}',
    scopeSite: '单个场所（在下面填写场所编号）',
    siteId: '场所编号（仅“单个场所”）',
    password: '初始密码',
    passwordHint: '至少 8 位，不能与登录名相同；请当面或电话告知本人，首次登录后自行修改',
    create: '创建',
    save: '保存',
    created: '用户 {name} 已创建',
    state: '状态',
    stateActive: '正常',
    stateLocked: '已锁定',
    stateDisabled: '已停用',
    actions: '操作',
    unlock: '解锁',
    unlocked: '用户 {name} 已解锁',
    disable: '停用',
    disableTitle: '停用用户 {name}？',
    disableText: '停用后此人立即退出登录，不能再登录，也不会再收到值班通知。需要时可以重新启用。',
    disableConfirm: '确认停用',
    disabled: '用户 {name} 已停用',
    enable: '启用',
    enabled: '用户 {name} 已启用',
    noUsers: '还没有用户',
    scopeAllText: '全部',
    scopeRegionsText: '区域：{list}',
    scopeOrgText: '单位：{name}',
    scopeSiteText: '场所：{name}',
    badPasswordShort: '初始密码至少 8 位',
    badPasswordName: '初始密码不能与登录名相同',
    badUserName: '登录名只能用字母、数字及 . _ - @，以字母或数字开头，最多 64 位',
    userExists: '登录名 {name} 已被使用（不区分大小写）',
    badScope: '管辖范围有误：{why}',
    regionsEdit: '区域管理',
    regionSelected: '所选区域：{name}（{id}）',
    regionNone: '未选中区域：在上方区域树中选择一个区域；不选时添加的是顶级区域。',
    addRegion: '添加下级区域',
    addTopRegion: '添加顶级区域',
    addRegionTitle: '在 {name} 下添加区域',
    addTopRegionTitle: '添加顶级区域',
    regionId: '区域编号',
    regionIdHint: '字母、数字、- 或 _，例如 jianghan',
    regionName: '区域名称',
    regionLevel: '级别',
    regionAdded: '区域 {name} 已添加',
    regionExists: '编号 {id} 已被区域 {name} 使用，请换一个编号',
    renameRegion: '重命名',
    renameRegionTitle: '重命名区域 {id}',
    renamed: '区域已改名为 {name}',
    removeRegion: '删除区域',
    removeRegionTitle: '删除区域 {name}？',
    removeRegionText: '只能删除没有下级区域、也没有场所的区域。删除后以此区域为管辖范围的用户将看不到任何场所。',
    removeConfirm: '确认删除',
    regionRemoved: '区域 {name} 已删除',
    regionInUse: '区域 {id} 仍被{what}使用，请先移走或删除它们',
    childRegions: ' {n} 个下级区域',
    sites: ' {n} 个场所',
    and: '和',
  },
  en: {
    adminTitle: 'Administration',
    usersTitle: 'Users',
    newUser: 'New user',
    newUserTitle: 'New user',
    userName: 'Login name',
    userNameHint: 'letters, digits and . _ - @, e.g. li.ming',
    displayName: 'Name',
    role: 'Role',
    scope: 'Scope',
    scopeAll: 'All (the whole system)',
    scopeRegion: 'Region · {name}',
    scopeOrg: 'Organisation · {name}',
    scopeSite: 'One site (type its id below)',
    siteId: 'Site id (for "one site" only)',
    password: 'Initial password',
    passwordHint: 'at least 8 characters, not the login name; tell the person in person or by phone',
    create: 'Create',
    save: 'Save',
    created: 'User {name} created',
    state: 'State',
    stateActive: 'Active',
    stateLocked: 'Locked',
    stateDisabled: 'Disabled',
    actions: 'Actions',
    unlock: 'Unlock',
    unlocked: 'User {name} unlocked',
    disable: 'Disable',
    disableTitle: 'Disable user {name}?',
    disableText: 'The person is logged out at once, cannot log in again and gets no duty notifications. They can be enabled again.',
    disableConfirm: 'Disable',
    disabled: 'User {name} disabled',
    enable: 'Enable',
    enabled: 'User {name} enabled',
    noUsers: 'No users yet',
    scopeAllText: 'all',
    scopeRegionsText: 'regions: {list}',
    scopeOrgText: 'organisation: {name}',
    scopeSiteText: 'site: {name}',
    badPasswordShort: 'The initial password needs at least 8 characters',
    badPasswordName: 'The initial password must not be the login name',
    badUserName: 'Login name: letters, digits and . _ - @, starting with a letter or digit, at most 64',
    userExists: 'The login name {name} is taken (names do not differ by case)',
    badScope: 'Scope: {why}',
    regionsEdit: 'Regions',
    regionSelected: 'Selected region: {name} ({id})',
    regionNone: 'No region selected: pick one in the region tree; without one a top-level region is added.',
    addRegion: 'Add a child region',
    addTopRegion: 'Add a top-level region',
    addRegionTitle: 'Add a region under {name}',
    addTopRegionTitle: 'Add a top-level region',
    regionId: 'Region id',
    regionIdHint: 'letters, digits, - or _, e.g. jianghan',
    regionName: 'Region name',
    regionLevel: 'Level',
    regionAdded: 'Region {name} added',
    regionExists: 'The id {id} is taken by region {name}: choose another',
    renameRegion: 'Rename',
    renameRegionTitle: 'Rename region {id}',
    renamed: 'Region renamed to {name}',
    removeRegion: 'Remove region',
    removeRegionTitle: 'Remove region {name}?',
    removeRegionText: 'Only a region without child regions and sites can be removed. Users scoped to it then see no sites.',
    removeConfirm: 'Remove',
    regionRemoved: 'Region {name} removed',
    regionInUse: 'Region {id} is still used by{what}: move or remove them first',
    childRegions: ' {n} child region(s)',
    sites: ' {n} site(s)',
    and: ' and',
  },
};

/** The admin panel's string for `key`, `{name}` placeholders filled. */
export function at(key, params = {}) {
  const text = STRINGS[currentLang()]?.[key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/**
 * The registry's refusal to remove a region in use ("region X is still named by 2 child regions
 * and 1 site: …", after the writer's "registry refused the change: id: ") in the page's
 * language; any other message as it came.
 */
export function regionRefusalText(message) {
  const m = /\bregion (\S+) is still named by (?:(\d+) child regions?)?(?: and )?(?:(\d+) sites?)?/.exec(message ?? '');
  if (!m || (m[2] === undefined && m[3] === undefined)) return message;
  const parts = [m[2] ? at('childRegions', { n: m[2] }) : '', m[3] ? at('sites', { n: m[3] }) : ''].filter(Boolean);
  return at('regionInUse', { id: m[1], what: parts.join(at('and')) });
}

/**
 * The users API's refusals a person typing the form can fix, in the page's language; others as they
 * came. A body with several problems comes as "name: …; password: …", each said in turn.
 */
export function userRefusalText(message) {
  return String(message ?? '').split('; ').map(userProblemText).join(currentLang() === 'zh' ? '；' : '; ');
}

function userProblemText(text) {
  if (/^password: at least 8/.test(text)) return at('badPasswordShort');
  if (/^password: must not be the user name/.test(text)) return at('badPasswordName');
  if (/^name: letters, digits/.test(text)) return at('badUserName');
  const exists = /^user (\S+) exists already/.exec(text);
  if (exists) return at('userExists', { name: exists[1] });
  const scope = /^scope: (.+)$/.exec(text);
  if (scope) return at('badScope', { why: scope[1] });
  return text;
}

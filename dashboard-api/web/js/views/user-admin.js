// People's accounts for an admin of the whole fleet: the users a page at a time (GET /users, by
// name, `next` cursor), a new user with a role, a scope (all, a region's subtree, an organisation,
// one site) and an initial password (POST /users), unlock and disable or enable (PATCH /users/:name).
// The API refuses anyone else; the page only shows the panel to whom it would not refuse.

import { h, mount } from '../dom.js';
import { api, ApiError, query } from '../api.js';
import { t } from '../i18n.js';
import { at, userRefusalText } from '../admin-text.js';
import { pager } from './pager.js';
import { openActionDialog } from './action-dialog.js';

/** Twenty rows keep the panel one screen high; the API allows up to 500. */
const USER_PAGE = 20;
const ROLES = ['officer', 'viewer', 'owner', 'admin'];
const ROLE_KEYS = { viewer: 'roleViewer', owner: 'roleOwner', officer: 'roleOfficer', admin: 'roleAdmin' };

/** A user's scope in words, regions and organisations by their names where the page knows them. */
export function scopeWords(scope, names) {
  if (!scope || scope.kind === 'all') return at('scopeAllText');
  if (scope.kind === 'regions') return at('scopeRegionsText', { list: scope.regions.map((id) => names.regions.get(id) ?? id).join('、') });
  if (scope.kind === 'org') return at('scopeOrgText', { name: names.orgs.get(scope.org) ?? scope.org });
  return at('scopeSiteText', { name: scope.site });
}

/** 'disabled', 'locked' or 'active' at `nowMs`. */
export function userState(user, nowMs) {
  if (user.disabledAtMs !== null) return 'disabled';
  if (user.lockedUntilMs !== null && user.lockedUntilMs > nowMs) return 'locked';
  return 'active';
}

/** The scope text the API takes (`all`, `region:ID`, `org:ID`, `site:ID`) from the form's values. */
export function scopeOfForm(values) {
  if (values.scope === 'site') return `site:${String(values.site ?? '').trim()}`;
  return values.scope;
}

function userRefusalInLanguage(err) {
  return err instanceof ApiError && (err.status === 400 || err.status === 409) ? new ApiError(err.status, userRefusalText(err.message), err.body) : err;
}

/**
 * root: where the users table goes; selectedRegion(): the region the tree has selected (the new
 * user's default scope); report(err): a failure outside a dialog.
 */
export function createUserAdmin({ root, selectedRegion, report }) {
  const status = h('span', { class: 'admin-status', role: 'status', 'aria-live': 'polite' });
  const list = { users: [], cursors: [undefined], index: 0, next: null, loading: false };
  const names = { regions: new Map(), orgs: new Map(), regionList: [], orgList: [] };
  let seq = 0;

  async function loadNames() {
    const [regions, orgs] = await Promise.all([api.get('/regions').then((r) => r.regions, () => []), api.get('/organisations').then((r) => r.organisations, () => [])]);
    names.regionList = [...regions].sort((a, b) => a.path.localeCompare(b.path));
    names.orgList = orgs;
    names.regions = new Map(regions.map((r) => [r.id, r.name]));
    names.orgs = new Map(orgs.map((o) => [o.id, o.name]));
  }

  async function load(index = list.index) {
    const mine = ++seq;
    list.loading = true;
    const body = await api.get(`/users${query({ limit: USER_PAGE, after: list.cursors[index] })}`);
    if (mine !== seq) return;
    list.users = body.users;
    list.index = index;
    list.next = body.next;
    list.cursors[index + 1] = body.next ?? undefined;
    list.loading = false;
    render();
  }

  function createUser() {
    const region = selectedRegion();
    const scopeOptions = [
      { value: 'all', label: at('scopeAll') },
      // Indented by depth, as the region tree draws it.
      ...names.regionList.map((r) => ({ value: `region:${r.id}`, label: `${'\u3000'.repeat(Math.max(0, r.path.split('/').length - 3))}${at('scopeRegion', { name: `${r.name} (${r.id})` })}` })),
      ...names.orgList.map((o) => ({ value: `org:${o.id}`, label: at('scopeOrg', { name: `${o.name} (${o.id})` }) })),
      { value: 'site', label: at('scopeSite') },
    ];
    openActionDialog({
      title: at('newUserTitle'),
      action: 'create-user',
      submitLabel: at('create'),
      fields: [
        { name: 'name', label: at('userName'), required: true, hint: at('userNameHint') },
        { name: 'displayName', label: at('displayName'), required: true },
        { name: 'role', label: at('role'), type: 'select', value: 'officer', options: ROLES.map((r) => ({ value: r, label: `${t(ROLE_KEYS[r])} (${r})` })) },
        { name: 'scope', label: at('scope'), type: 'select', value: region ? `region:${region}` : 'all', options: scopeOptions },
        { name: 'site', label: at('siteId') },
        { name: 'password', label: at('password'), type: 'password', required: true, hint: at('passwordHint') },
      ],
      submit: async (values) => {
        const body = { name: values.name.trim(), displayName: values.displayName.trim(), role: values.role, scope: scopeOfForm(values), password: values.password };
        let made;
        try {
          made = await api.post('/users', body);
        } catch (err) {
          throw userRefusalInLanguage(err);
        }
        status.textContent = at('created', { name: made.user.name });
        await load(0);
      },
    });
    // The site box only matters for a one-site scope (an owner's).
    const scope = document.getElementById('field-scope');
    const site = document.getElementById('field-site');
    const follow = () => (site.closest('label').hidden = scope.value !== 'site');
    scope?.addEventListener('change', follow);
    if (scope && site) follow();
  }

  async function change(user, patch, doneKey) {
    await api.patch(`/users/${encodeURIComponent(user.name)}`, patch);
    status.textContent = at(doneKey, { name: user.name });
    await load();
  }

  function disable(user) {
    openActionDialog({
      title: at('disableTitle', { name: user.name }),
      action: 'disable-user',
      intro: at('disableText'),
      submitLabel: at('disableConfirm'),
      fields: [],
      submit: () => change(user, { disabled: true }, 'disabled'),
    });
  }

  function row(user, nowMs) {
    const state = userState(user, nowMs);
    return h(
      'tr',
      { dataset: { user: user.name, state } },
      h('td', {}, user.name),
      h('td', {}, user.displayName),
      h('td', {}, t(ROLE_KEYS[user.role] ?? user.role)),
      h('td', { class: 'user-scope' }, scopeWords(user.scope, names)),
      h('td', { class: `user-state user-${state}` }, at(`state${state[0].toUpperCase()}${state.slice(1)}`)),
      h(
        'td',
        { class: 'user-actions' },
        state === 'locked' || user.failedAttempts > 0 ? h('button', { type: 'button', class: 'link user-unlock', onclick: () => change(user, { unlock: true }, 'unlocked').catch(report) }, at('unlock')) : null,
        state === 'disabled'
          ? h('button', { type: 'button', class: 'link user-enable', onclick: () => change(user, { disabled: false }, 'enabled').catch(report) }, at('enable'))
          : h('button', { type: 'button', class: 'link user-disable', onclick: () => disable(user) }, at('disable')),
      ),
    );
  }

  function render() {
    const nowMs = Date.now();
    mount(
      root,
      h('div', { class: 'admin-bar' }, h('h3', {}, at('usersTitle')), h('button', { type: 'button', class: 'user-new', onclick: () => createUser() }, at('newUser')), status),
      list.users.length === 0
        ? h('p', { class: 'empty' }, at('noUsers'))
        : h(
            'div',
            { class: 'users-scroll' },
            h(
              'table',
              { class: 'users' },
              h('thead', {}, h('tr', {}, ['userName', 'displayName', 'role', 'scope', 'state', 'actions'].map((k) => h('th', { scope: 'col' }, at(k))))),
              h('tbody', {}, list.users.map((u) => row(u, nowMs))),
            ),
          ),
      pager({ index: list.index, pages: null, hasNext: list.next !== null, loading: list.loading, onPage: (step) => load(list.index + step).catch(report) }),
    );
  }

  return {
    async start() {
      list.cursors = [undefined];
      await loadNames();
      await load(0);
    },
    /** The region names again (after the region editor changed the tree). */
    async reloadNames() {
      await loadNames();
      render();
    },
    stop() {
      seq++;
      mount(root);
    },
    render,
  };
}

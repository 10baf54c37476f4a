// The admin panel under the dashboard: people's accounts and the region tree's editor, shown only to
// an admin of the whole fleet (GET /me: role admin, scope all), as the API answers no one else.
// The region editor follows the tree's selection, which lives in the address (#/region/<id>).

import { h, mount } from '../dom.js';
import { at } from '../admin-text.js';
import { parseFleetHash } from '../fleet-nav.js';
import { createUserAdmin } from './user-admin.js';
import { createRegionAdmin } from './region-admin.js';

/** Whether `me` may use the panel: the API's users and region routes need admin over everything. */
export function isFleetAdmin(me) {
  return me?.role === 'admin' && me?.scope?.kind === 'all';
}

/** The region the tree has selected: the fleet view pushes it into the address. */
function selectedRegion() {
  return parseFleetHash(location.hash)?.region ?? null;
}

/** root: the panel's section (hidden unless shown); onRegionsChanged(): the tree and cards read again. */
export function createAdminPanel({ root, onRegionsChanged, report }) {
  const title = h('h2', {});
  const usersEl = h('div', { class: 'admin-users' });
  const regionsEl = h('div', { class: 'admin-regions' });
  const users = createUserAdmin({ root: usersEl, selectedRegion, report });
  const regions = createRegionAdmin({
    root: regionsEl,
    selectedRegion,
    onChanged: () => {
      onRegionsChanged();
      users.reloadNames().catch(report);
    },
    report,
  });
  let running = false;
  // The tree's picks go through history.pushState, which fires no event: redraw after any click in
  // the fleet view, and on the back button.
  const follow = () => {
    if (running) setTimeout(() => regions.render(), 0);
  };
  document.getElementById('sites')?.addEventListener('click', follow);
  window.addEventListener('popstate', follow);
  window.addEventListener('hashchange', follow);

  return {
    async start(me) {
      if (!isFleetAdmin(me)) return;
      running = true;
      mount(root, title, regionsEl, usersEl);
      this.renderTexts();
      root.hidden = false;
      await Promise.all([users.start(), regions.start()]);
    },
    stop() {
      running = false;
      root.hidden = true;
      users.stop();
      regions.stop();
      mount(root);
    },
    /** Words again after a language switch. */
    renderTexts() {
      if (!running) return;
      title.textContent = at('adminTitle');
      users.render();
      regions.render();
    },
  };
}

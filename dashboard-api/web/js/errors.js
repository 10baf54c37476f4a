// Turns a failed call into the sentence an officer reads: the server's own reason for a refusal,
// the role needed for a 403.

import { t } from './i18n.js';

const ROLES = { viewer: 'roleViewer', officer: 'roleOfficer', admin: 'roleAdmin' };

export function describeError(err) {
  if (err?.status === 403) {
    const role = /\b(viewer|officer|admin)\b/.exec(err.message)?.[1];
    return role ? t('forbidden', { role: `${t(ROLES[role])} / ${role}` }) : t('refused', { message: err.message });
  }
  if (err?.status >= 400 && err?.status < 500) return t('refused', { message: err.message });
  return t('failed', { message: err?.message ?? String(err) });
}

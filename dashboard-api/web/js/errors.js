// Turns a failed call into the sentence an officer reads: the server's own reason for a refusal,
// the role needed for a 403.

import { t } from './i18n.js';

const ROLES = { viewer: 'roleViewer', owner: 'roleOwner', officer: 'roleOfficer', admin: 'roleAdmin' };

export function describeError(err) {
  if (err?.status === 403) {
    // The API names the least role in `needed`; older answers only in the message.
    const role = err.body?.needed ?? /\b(viewer|owner|officer|admin)\b/.exec(err.message)?.[1];
    return role ? t('forbidden', { role: `${t(ROLES[role])} / ${role}` }) : t('refused', { message: err.message });
  }
  // A refused lift lists what is still missing as codes: said in the page's language, not the
  // server's English sentence.
  const missing = err?.body?.missing;
  if (err?.status === 409 && Array.isArray(missing) && missing.length > 0) {
    const blind = Array.isArray(err.body.blind) ? err.body.blind : [];
    const named = blind.map((b) => t('blindItem', { name: b.channel === '_device' ? b.device : `${b.device}/${b.channel}`, why: t(`blind_${b.why}`) })).join(t('listSep'));
    const say = (m) => (m === 'gas_test' && named ? t('missing_gas_test_named', { detectors: named }) : t(`missing_${m}`));
    return t('liftRefused', { list: missing.map(say).join(t('listSep')) });
  }
  if (err?.status >= 400 && err?.status < 500) return t('refused', { message: err.message });
  return t('failed', { message: err?.message ?? String(err) });
}

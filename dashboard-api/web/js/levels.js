// The four warning levels (突发事件预警级别, blue IV < yellow III < orange II < red I) as the page
// shows them: a colour for the eye and a word for officers who cannot tell the colours apart.

import { t } from './i18n.js';

export const LEVELS = ['blue', 'yellow', 'orange', 'red'];

export function levelRank(level) {
  return level ? LEVELS.indexOf(level) : -1;
}

export function worstLevel(levels) {
  let worst = null;
  for (const level of levels) if (levelRank(level) > levelRank(worst)) worst = level;
  return worst;
}

export function levelLabel(level) {
  return level ? t(`level${level[0].toUpperCase()}${level.slice(1)}`) : t('normal');
}

/** Orange and red need a rectification note to close (整改销号). */
export function needsRectification(level) {
  return levelRank(level) >= levelRank('orange');
}

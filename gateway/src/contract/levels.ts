// The four-colour warning levels of Chinese emergency practice (突发事件预警级别):
// blue IV < yellow III < orange II < red I (Emergency Response Law of the PRC, art. 42).

export const LEVELS = ['blue', 'yellow', 'orange', 'red'] as const;
export type Level = (typeof LEVELS)[number];

/** 0 = blue … 3 = red; -1 for "no level". */
export function levelRank(level: Level | null): number {
  return level === null ? -1 : LEVELS.indexOf(level);
}

export function levelAtRank(rank: number): Level | null {
  return rank < 0 ? null : (LEVELS[rank] ?? null);
}

export function maxLevel(a: Level | null, b: Level | null): Level | null {
  return levelRank(a) >= levelRank(b) ? a : b;
}

/** Chinese colour words as officers read them in messages and on the page. */
export const LEVEL_ZH: Record<Level, string> = {
  blue: '蓝色(IV级)',
  yellow: '黄色(III级)',
  orange: '橙色(II级)',
  red: '红色(I级)',
};

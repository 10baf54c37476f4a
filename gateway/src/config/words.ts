// Words for config problems: the path of a field as a user finds it in the YAML, and the allowed
// word nearest a typo. A leaf: load.ts, resolve-rules.ts and notify-sites.ts all use it.

type Path = readonly PropertyKey[];

/** `sites[0].devices[1].channels.ch4.quantity`: how a user finds the place in the YAML. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[A-Za-z0-9_-]+$/.test(String(k)) ? `${i === 0 ? '' : '.'}${String(k)}` : `[${JSON.stringify(String(k))}]`))
    .join('');
}

/** The allowed word closest to a typo, if it is within 2 edits (commitIntervalMS → commitIntervalMs). */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { word: string; d: number } | undefined;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase()) + (word === c ? 0 : word.toLowerCase() === c.toLowerCase() ? 0.5 : 0);
    if (d <= 2 && (!best || d < best.d)) best = { word: c, d };
  }
  return best?.word;
}

export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

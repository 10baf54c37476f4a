// Disk full for the data directory. The scenario: a real full disk (tmpfs) under load
// while a leak starts: detection, the alarm, the stop-work order and the notification still work,
// the fault is reported (gateway alarm disk_full), nothing acknowledged is lost, storing resumes.
// The regression tests: the journal facing SQLITE_FULL (PRAGMA max_page_count on its writer's connection)
// holds its batch unacknowledged and commits it once there is room, instead of refusing it (which
// disconnected every device; each then resent its oldest reading forever and detection went blind).

import { describe, expect, it } from 'vitest';
import { Journal, type JournalReading } from '../../gateway/src/ingest/journal.js';
import { openJournalDb } from '../../gateway/src/store/journal-db.js';
import type { Db } from '../../gateway/src/store/sqlite.js';
import { silentLogger } from '../../gateway/src/log.js';
import { diskFull } from './support/scenarios-disk.js';
import { SUITE_OPTIONS, until } from './support/scenarios-common.js';
import { useGatewayFixture } from '../support/fixture.js';

function reading(seq: number): JournalReading {
  // A large meta so that a few readings need a new page.
  return { site: 'kitchen-01', device: 'gas-01', seq, tsMs: 1_800_000_000_000 + seq, receivedMs: 1_800_000_000_000 + seq, readingsJson: '{"ch4":1}', metaJson: JSON.stringify({ pad: 'x'.repeat(2000) }) };
}

describe('journal on a full disk (SQLITE_FULL through PRAGMA max_page_count)', () => {
  const fx = useGatewayFixture();

  function open(fullRetryMs = 20, maxHeldWhileFull?: number, hasSpace?: () => boolean): { journal: Journal; db: Db } {
    const db = openJournalDb(fx.dataDir(), 'FULL');
    fx.defer(() => db.open && db.close());
    const journal = new Journal(db, { commitIntervalMs: 5, maxBatch: 100, fullRetryMs, ...(maxHeldWhileFull !== undefined ? { maxHeldWhileFull } : {}), ...(hasSpace ? { hasSpace } : {}) }, silentLogger());
    fx.defer(() => db.open && journal.close());
    return { journal, db };
  }

  it('holds the batch unacknowledged while full and commits it, in order, once there is room', async () => {
    const { journal, db } = open();
    const full: unknown[] = [];
    let spaceBack = 0;
    journal.on('diskFull', ({ err, held }) => full.push([err.message, held]));
    journal.on('diskSpace', () => spaceBack++);
    journal.writerPragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`); // per connection: the journal worker's
    const calls: { seq: number; err: Error | undefined }[] = [];
    for (let seq = 1; seq <= 20; seq++) journal.append(reading(seq), (err) => calls.push({ seq, err }));

    await until(() => journal.diskFull, 2000, 'the journal to notice the full disk');
    await new Promise((r) => setTimeout(r, 200)); // several retries, all refused
    expect(calls).toEqual([]); // nothing acknowledged, nothing refused: the devices stay connected
    expect(journal.depth).toBe(20);
    expect(full).toHaveLength(1); // reported once, not per retry
    expect(String((full[0] as unknown[])[0])).toMatch(/disk is full/);
    expect(journal.stats.failures).toBeGreaterThan(1);

    journal.writerPragma('max_page_count = 1073741823');
    await until(() => calls.length === 20, 2000, 'the held readings committed');
    expect(calls.map((c) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(calls.every((c) => c.err === undefined)).toBe(true);
    expect(journal.diskFull).toBe(false);
    expect(spaceBack).toBe(1);
    expect((db.prepare('SELECT count(*) AS n FROM reading').get() as { n: number }).n).toBe(20);
  });

  it('waits for hasSpace before retrying, refuses past its bound and fails what it holds at close', async () => {
    let roomy = false;
    const { journal, db } = open(20, 5, () => roomy);
    journal.writerPragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`); // per connection: the journal worker's
    const errors: (string | null)[] = [];
    for (let seq = 1; seq <= 3; seq++) journal.append(reading(seq), (err) => errors.push(err ? err.message : null));
    await until(() => journal.diskFull, 2000, 'full');
    const failuresWhenFull = journal.stats.failures;
    for (let seq = 4; seq <= 8; seq++) journal.append(reading(seq), (err) => errors.push(err ? err.message : null));
    await new Promise((r) => setTimeout(r, 150));
    expect(journal.stats.failures).toBe(failuresWhenFull); // no retry while hasSpace says no
    expect(journal.depth).toBe(5); // bounded: 6–8 refused at once
    expect(errors).toEqual(Array(3).fill('disk full: journal holds too many uncommitted messages'));
    journal.close();
    expect(errors.slice(3)).toEqual(Array(5).fill('journal closed with 5 messages not committed (disk full)'));
    roomy = true;
  });
});

describe('data directory disk full under load', () => {
  it('keeps detecting, raising, ordering and notifying, reports disk_full, loses nothing acknowledged and stores again when space returns', async () => {
    const row = await diskFull(SUITE_OPTIONS);
    if (row.checks.substituted) console.warn(`disk-full: ${row.fault}`);
    expect(row.checks.heldAtRelease).toBeGreaterThan(0); // the disk really was full under load
    // A full filesystem refuses the very next commit; the page-limit substitute first fills the
    // free room inside the file's last pages, so a few commits still land there.
    if (!row.checks.substituted) expect(row.checks.committedWhileFull).toBe(0);
    expect(row.checks.redRaisedWhileFull).toBe(true);
    expect(row.checks.orderIssuedWhileFull).toBe(true);
    expect(row.checks.notifiedWhileFull).toBe(true);
    expect(row.checks.selfAlarmRaised).toBe(true);
    expect(row.checks.selfAlarmCleared).toBe(true);
    expect(row.checks.gatewayReady).toBe(true);
    expect(row.notes).not.toContain('missing');
    expect(row.lost).toBe(0);
    expect(row.stored).toBe(row.published);
    expect(row.alarmsRaised).toBe(row.alarmsExpected);
    expect(row.alarmsDuplicated).toBe(0);
    expect(row.recoverMs).not.toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDb, migrateModule } from '../../../gateway/src/store/sqlite.js';
import { tempDir } from '../../support/tmp.js';

describe('migrateModule', () => {
  it('applies each module migration once, independently of other modules, across reopen', () => {
    const tmp = tempDir('migrate-module-');
    const dir = tmp.path;
    const file = join(dir, 'm.db');
    const db = openDb(file, { synchronous: 'NORMAL', migrations: ['CREATE TABLE core (x INTEGER)'] });
    migrateModule(db, 'a', ['CREATE TABLE a1 (x INTEGER)']);
    migrateModule(db, 'b', ['CREATE TABLE b1 (x INTEGER)', 'CREATE TABLE b2 (x INTEGER)']);
    db.close();
    const again = openDb(file, { synchronous: 'NORMAL', migrations: ['CREATE TABLE core (x INTEGER)'] });
    migrateModule(again, 'a', ['CREATE TABLE a1 (x INTEGER)', 'CREATE TABLE a2 (x INTEGER)']);
    migrateModule(again, 'b', ['CREATE TABLE b1 (x INTEGER)', 'CREATE TABLE b2 (x INTEGER)']);
    const tables = (again.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(['a1', 'a2', 'b1', 'b2', 'core', 'schema_module']);
    expect(() => migrateModule(again, 'b', ['CREATE TABLE b1 (x INTEGER)'])).toThrow(/newer than this gateway knows/);
    again.close();
    tmp.remove();
  });
});

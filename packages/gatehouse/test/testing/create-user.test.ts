/**
 * `t.createUser(name, { roles, isStaff, permissions, password })`: one call gives a test the user
 * its scenario needs, on SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../src/core/errors.js';
import { TEST_PASSWORD, type TestGatehouse, createTestGatehouse } from '../../src/testing/index.js';
import { type FreshDatabase, freshDatabaseUrl, testDatabases } from '../support/databases.js';
import { type SeedPermission, type SeedRole, seedApps, seedRoles } from '../support/seed-declarations.js';

const apps = seedApps;
const roles = seedRoles;

for (const db of testDatabases()) {
  describe(`createUser (${db.label})`, () => {
    let fresh: FreshDatabase;
    let t: TestGatehouse<SeedPermission, SeedRole>;
    beforeAll(async () => {
      fresh = await freshDatabaseUrl(db.kind);
      t = await createTestGatehouse({ apps, roles, databaseUrl: fresh.url });
    });
    afterAll(async () => {
      await t.close();
      await fresh.drop();
    });

    it('creates a staff user in a role, with a direct grant, in one call', async () => {
      const fin = await t.createUser('fin', { roles: ['Finance Approver'], isStaff: true, permissions: ['billing.export_reports'], email: 'fin@example.com' });
      expect(fin).toMatchObject({ username: 'fin', isStaff: true, isSuperuser: false, isActive: true, email: 'fin@example.com' });
      expect(await t.gatehouse.hasPerm(fin, 'billing.approve_payout')).toBe(true);
      expect(await t.gatehouse.hasPerm(fin, 'billing.export_reports')).toBe(true);
      expect(await t.gatehouse.hasPerm(fin, 'billing.view_payout')).toBe(false);
      expect((await t.gatehouse.explainPerm(fin, 'billing.approve_payout')).summary).toContain('Finance Approver');
    });

    it('gives the documented test password unless the test chooses one, and null makes it unusable', async () => {
      await t.createUser('plain');
      expect(await t.gatehouse.authenticate({ username: 'plain', password: TEST_PASSWORD })).not.toBeNull();
      await t.createUser('chosen', { password: 'Marble-Otter-2210-Saffron' });
      expect(await t.gatehouse.authenticate({ username: 'chosen', password: 'Marble-Otter-2210-Saffron' })).not.toBeNull();
      await t.createUser('locked', { password: null });
      expect(await t.gatehouse.authenticate({ username: 'locked', password: TEST_PASSWORD })).toBeNull();
    });

    it('makes superusers and inactive users', async () => {
      const root = await t.createUser('root', { isSuperuser: true, isStaff: true });
      expect(await t.gatehouse.hasPerm(root, 'billing.approve_payout')).toBe(true);
      const gone = await t.createUser('gone', { isActive: false, roles: ['Admin'] });
      expect(gone.isActive).toBe(false);
      expect(await t.gatehouse.hasPerm(gone, 'billing.approve_payout')).toBe(false);
    });

    it('refuses a role that does not exist, naming it', async () => {
      // @ts-expect-error: role names are typed by the declaration
      const attempt = t.createUser('typo', { roles: ['Finance Aprover'] });
      await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
      await expect(attempt).rejects.toThrow('Finance Aprover');
    });

    it('infers role names from a roles object given inline', async () => {
      const inline = await createTestGatehouse({ apps, roles: { Auditor: ['billing.view_invoice'] } });
      try {
        const auditor = await inline.createUser('auditor', { roles: ['Auditor'] });
        expect(await inline.gatehouse.hasPerm(auditor, 'billing.view_invoice')).toBe(true);
        // @ts-expect-error: 'Admin' is not a role of this gatehouse
        await expect(inline.createUser('x', { roles: ['Admin'] })).rejects.toBeInstanceOf(NotFoundError);
      } finally {
        await inline.close();
      }
    });

    it('types permission names by the apps', async () => {
      // @ts-expect-error: not a declared permission
      await expect(t.createUser('typo2', { permissions: ['billing.aprove_payout'] })).rejects.toThrow();
    });
  });
}

/**
 * What the admin's actions do, over real HTTP on every test database: each change lands and is
 * audited (actor, target, before → after); sensitive ones demand a recent password check and end
 * the target's sessions as the core's revocation rules say; superuser status is a superuser's to
 * give; nobody grants more than they hold; bad input on every form is a 400 with the error beside
 * its field, and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../support/databases.js';
import { type AdminClient, type AdminWorld, startAdmin } from './helpers.js';

const NEW_PASSWORD = 'Tundra-Quokka-5841-Velvet';

describe.each(testDatabases())('admin actions on $label', ({ kind }) => {
  let world: AdminWorld;
  let root: AdminClient;

  beforeAll(async () => {
    world = await startAdmin(kind);
    root = await world.as('root');
  });
  afterAll(async () => {
    await world?.close();
  });

  const gatehouse = () => world.app.t.gatehouse;
  const stale = () => world.app.t.clock.advance((gatehouse().config.reauthMaxAge + 1) * 1000);

  /** The field error shown for `field` (tied to its input), or null. */
  function fieldError(body: string, field: string): string | null {
    const match = new RegExp(`id="id_${field}-error"><p>([^<]*)</p>`).exec(body);
    return match?.[1] ?? null;
  }

  describe('users', () => {
    it('creates a user with a password; the list finds them by prefix; the creation is audited', async () => {
      const res = await root.post('/admin/users/add/', {
        username: 'kim',
        email: 'kim@example.com',
        first_name: 'Kim',
        last_name: 'Ito',
        mode: 'set',
        password1: NEW_PASSWORD,
        password2: NEW_PASSWORD,
      });
      expect(res.status).toBe(303);
      const kim = (await world.user('kim'))!;
      expect(res.location).toBe(`/admin/users/${kim.id}/?done=created`);
      expect(kim).toMatchObject({ email: 'kim@example.com', firstName: 'Kim', isStaff: false });
      expect(await gatehouse().accounts.checkPassword(kim, NEW_PASSWORD)).toBe(true);
      expect(await world.audit('user.create')).toContainEqual(expect.objectContaining({ actor: 'root', target: 'kim' }));
      const list = await root.get('/admin/users/?q=KI');
      expect(list.body).toContain(`/admin/users/${kim.id}/`);
      const byEmail = await root.get('/admin/users/?q=kim%40ex');
      expect(byEmail.body).toContain('>kim</a>');
      expect((await root.get('/admin/users/?q=im')).body).not.toContain('>kim</a>');
    });

    it('creates a user with an unusable password and mails them a link to set one', async () => {
      const before = world.app.mailer.outbox.length;
      const res = await root.post('/admin/users/add/', { username: 'noor', email: 'noor@example.com', first_name: '', last_name: '', mode: 'email' });
      expect(res.status).toBe(303);
      const noor = (await world.user('noor'))!;
      expect(gatehouse().hashers.isPasswordUsable(noor.password)).toBe(false);
      const mail = world.app.mailer.outbox.slice(before).find((m) => m.to.includes('noor@example.com'));
      expect(mail?.text).toMatch(/\/accounts\/reset\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+\//);
      expect(await world.audit('admin.password_link_sent')).toContainEqual(expect.objectContaining({ actor: 'root', target: 'noor' }));
    });

    it('refuses bad input on the create form with errors beside the fields, creating nothing', async () => {
      const count = await gatehouse().stores.users.count();
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ username: '', mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD }, 'username', /required/],
        [{ username: 'bad name!', mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD }, 'username', /letters, digits/],
        [{ username: 'alice', mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD }, 'username', /taken/],
        [{ username: 'zed', email: 'not-an-email', mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD }, 'email', /valid email/],
        [{ username: 'zed', mode: 'set', password1: 'short', password2: 'short' }, 'password1', /./],
        [{ username: 'zed', mode: 'set', password1: NEW_PASSWORD, password2: 'other' }, 'password2', /do not match/],
        [{ username: 'zed', mode: 'email', email: '' }, 'email', /needed/],
        [{ username: 'zed', mode: 'nonsense' }, 'mode', /Choose/],
        [{ username: 'zed', mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD, first_name: 'x'.repeat(151) }, 'first_name', /150/],
      ];
      for (const [fields, field, message] of cases) {
        const res = await root.post('/admin/users/add/', fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expect(fieldError(res.body, field), JSON.stringify(fields)).toMatch(message);
        expect(res.body).toContain(`aria-describedby="id_${field}-error`);
      }
      expect(await gatehouse().stores.users.count()).toBe(count);
    });

    it('edits names, email, activity, groups and direct permissions, auditing before → after; leaving a group ends sessions', async () => {
      const bob = world.users.bob!;
      const bobClient = await world.as('bob');
      const support = (await gatehouse().stores.groups.getByName('Support'))!;
      const regular = (await gatehouse().stores.groups.getByName('Regular User'))!;
      const res = await root.post(`/admin/users/${bob.id}/change/`, {
        first_name: 'Bob',
        last_name: 'Stone',
        email: 'bob.stone@example.com',
        is_active: '1',
        groups: [String(support.id)],
        perms: ['shop.view_order'],
      });
      expect(res.status).toBe(303);
      const after = (await world.user('bob'))!;
      expect(after).toMatchObject({ firstName: 'Bob', lastName: 'Stone', email: 'bob.stone@example.com', isActive: true });
      expect((await gatehouse().stores.groups.groupsOfUser(bob.id)).map((g) => g.name)).toEqual(['Support']);
      expect((await gatehouse().stores.permissions.userPermissionRows(bob.id)).direct).toEqual(['shop.view_order']);
      const [entry] = (await world.audit('admin.user_change')).filter((e) => e.target === 'bob');
      expect(entry).toMatchObject({
        actor: 'root',
        data: {
          changes: {
            firstName: ['', 'Bob'],
            email: ['bob@example.com', 'bob.stone@example.com'],
            groups: [['Regular User'], ['Support']],
            permissions: [[], ['shop.view_order']],
          },
        },
      });
      // Leaving "Regular User" ended bob's sessions (the core's rule).
      expect((await bobClient.get('/accounts/password_change/')).status).not.toBe(200);
      expect(regular.id).toBeGreaterThan(0);
      // The detail shows each effective permission with where it comes from.
      const detail = await root.get(`/admin/users/${bob.id}/`);
      expect(detail.body).toMatch(/<code>shop\.view_order<\/code><\/th><td>direct grant<\/td>/);
      expect(detail.body).toMatch(/<code>auth\.view_user<\/code><\/th><td>group Support<\/td>/);
    });

    it('refuses bad input on the change form (unknown group or permission, bad email, self-deactivation), changing nothing', async () => {
      const alice = world.users.alice!;
      const cases: [string, Record<string, string | string[]>, string][] = [
        [`/admin/users/${alice.id}/change/`, { first_name: 'A', email: 'nope', is_active: '1' }, 'email'],
        [`/admin/users/${alice.id}/change/`, { first_name: 'A', email: '', is_active: '1', groups: ['999999'] }, 'groups'],
        [`/admin/users/${alice.id}/change/`, { first_name: 'A', email: '', is_active: '1', perms: ['no.such'] }, 'perms'],
        [`/admin/users/${alice.id}/change/`, { first_name: 'A', email: 'bob.stone@example.com', is_active: '1' }, 'email'],
        [`/admin/users/${world.users.root!.id}/change/`, { first_name: 'R', email: 'root@example.com' }, 'is_active'],
      ];
      for (const [url, fields, field] of cases) {
        const res = await root.post(url, fields);
        expect(res.status, JSON.stringify(fields)).toBe(400);
        expect(fieldError(res.body, field), JSON.stringify(fields)).not.toBeNull();
      }
      expect((await world.user('alice'))!).toMatchObject({ firstName: '', email: 'alice@example.com', isActive: true });
      expect((await world.user('root'))!).toMatchObject({ firstName: '', isActive: true });
    });

    it('lets nobody grant more than they hold: a non-superuser cannot grant a permission or join a group beyond their own', async () => {
      const helpdesk = await world.as('helpdesk');
      const alice = world.users.alice!;
      const financeId = String((await gatehouse().stores.groups.getByName('Finance Approver'))!.id);
      const tooMuch = await helpdesk.post(`/admin/users/${alice.id}/change/`, {
        email: 'alice@example.com',
        is_active: '1',
        perms: ['billing.approve_payout'],
      });
      expect(tooMuch.status).toBe(400);
      expect(fieldError(tooMuch.body, 'perms')).toMatch(/only grant permissions you hold/);
      const strongGroup = await helpdesk.post(`/admin/users/${alice.id}/change/`, { email: 'alice@example.com', is_active: '1', groups: [financeId] });
      expect(strongGroup.status).toBe(400);
      expect(fieldError(strongGroup.body, 'groups')).toMatch(/groups whose permissions you hold/);
      expect((await gatehouse().stores.permissions.userPermissionRows(alice.id)).direct).toEqual([]);
      // Nor may they change a superuser's account at all.
      const rootId = world.users.root!.id;
      expect((await helpdesk.get(`/admin/users/${rootId}/change/`)).status).toBe(403);
      expect((await helpdesk.post(`/admin/users/${rootId}/`, { mode: 'unusable' }, `/admin/users/${rootId}/password/`)).status).toBe(403);
      expect(gatehouse().hashers.isPasswordUsable((await world.user('root'))!.password)).toBe(true);
    });

    it('grants and removes superuser status only as a superuser, after a recent password check; removal ends sessions', async () => {
      const helpdesk = await world.as('helpdesk');
      const alice = world.users.alice!;
      const refused = await helpdesk.post(`/admin/users/${alice.id}/flags/`, { is_staff: '1', is_superuser: '1' });
      expect(refused.status).toBe(403);
      expect((await world.user('alice'))!).toMatchObject({ isStaff: false, isSuperuser: false });
      const staffOnly = await helpdesk.post(`/admin/users/${alice.id}/flags/`, { is_staff: '1' });
      expect(staffOnly.status).toBe(303);
      expect((await world.user('alice'))!.isStaff).toBe(true);
      const granted = await root.post(`/admin/users/${alice.id}/flags/`, { is_staff: '1', is_superuser: '1' });
      expect(granted.status).toBe(303);
      expect((await world.user('alice'))!.isSuperuser).toBe(true);
      const asSuperuser = await root.get(`/admin/users/${alice.id}/`);
      expect(asSuperuser.body).toContain('Every permission, through the superuser flag.');
      // Her one real grant still shows (it outlives the flag); the flag's blanket ones do not.
      expect(asSuperuser.body).not.toContain('<code>billing.approve_payout</code>');
      const aliceClient = await world.as('alice');
      expect((await aliceClient.get('/admin/users/')).status).toBe(200);
      const removed = await root.post(`/admin/users/${alice.id}/flags/`, { is_staff: '1' });
      expect(removed.status).toBe(303);
      expect((await world.user('alice'))!.isSuperuser).toBe(false);
      expect((await aliceClient.get('/admin/users/')).status).toBe(302);
      const entries = (await world.audit('admin.user_flags')).filter((e) => e.target === 'alice');
      expect(entries.map((e) => [e.actor, e.data.changes])).toEqual([
        ['helpdesk', { isStaff: [false, true] }],
        ['root', { isSuperuser: [false, true] }],
        ['root', { isSuperuser: [true, false] }],
      ]);
      await root.post(`/admin/users/${alice.id}/flags/`, {});
      // Nobody demotes themselves here: 400 with the reason, nothing changed.
      const self = await root.post(`/admin/users/${world.users.root!.id}/flags/`, { is_superuser: '1' });
      expect(self.status).toBe(400);
      expect(self.body).toContain('You cannot take away your own staff or superuser status');
      expect((await world.user('root'))!).toMatchObject({ isStaff: true, isSuperuser: true });
    });

    it('demands a recent password check for sensitive screens and actions, then lets them through', async () => {
      const admin = await world.as('root');
      const alice = world.users.alice!;
      stale();
      for (const url of [
        `/admin/users/${alice.id}/flags/`,
        `/admin/users/${alice.id}/password/`,
        `/admin/users/${alice.id}/delete/`,
        '/admin/groups/1/change/',
        '/admin/groups/1/delete/',
      ]) {
        const res = await admin.get(url);
        expect(res.status, url).toBe(302);
        expect(res.location, url).toMatch(/^\/accounts\/reauth\/\?next=/);
      }
      const token = await admin.token();
      const post = await admin.postRaw(`/admin/users/${alice.id}/password/`, { csrfmiddlewaretoken: token, mode: 'unusable' });
      expect(post.status).toBe(302);
      expect(post.location).toMatch(/^\/accounts\/reauth\//);
      expect(gatehouse().hashers.isPasswordUsable((await world.user('alice'))!.password)).toBe(true);
      // Non-sensitive screens stay open.
      expect((await admin.get('/admin/users/')).status).toBe(200);
      const reauth = await admin.post(`/accounts/reauth/?next=${encodeURIComponent(`/admin/users/${alice.id}/password/`)}`, {
        password: 'correct horse battery staple',
      });
      expect(reauth.status).toBe(302);
      expect((await admin.get(`/admin/users/${alice.id}/password/`)).status).toBe(200);
    });

    it('sets a password (validated), ending the user’s sessions; sends a reset link; makes it unusable', async () => {
      const admin = await world.as('root');
      const bob = (await world.user('bob'))!;
      const bobClient = await world.as('bob');
      const weak = await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'set', password1: 'password', password2: 'password' });
      expect(weak.status).toBe(400);
      expect(fieldError(weak.body, 'password1')).not.toBeNull();
      const mismatch = await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'set', password1: NEW_PASSWORD, password2: 'x' });
      expect(mismatch.status).toBe(400);
      expect(fieldError(mismatch.body, 'password2')).toMatch(/do not match/);
      expect((await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'bogus' })).status).toBe(400);
      expect(await gatehouse().accounts.checkPassword((await world.user('bob'))!, 'correct horse battery staple')).toBe(true);
      const set = await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'set', password1: NEW_PASSWORD, password2: NEW_PASSWORD });
      expect(set.status).toBe(303);
      expect(await gatehouse().accounts.checkPassword((await world.user('bob'))!, NEW_PASSWORD)).toBe(true);
      expect((await bobClient.get('/accounts/password_change/')).status).toBe(302);
      expect(await world.audit('auth.password_set')).toContainEqual(expect.objectContaining({ actor: 'root', target: 'bob' }));
      const mails = world.app.mailer.outbox.length;
      expect((await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'email' })).status).toBe(303);
      expect(world.app.mailer.outbox.slice(mails).map((m) => m.subject)).toEqual(['Set your password on Billing']);
      const unusable = await admin.post(`/admin/users/${bob.id}/password/`, { mode: 'unusable' });
      expect(unusable.status).toBe(303);
      expect(gatehouse().hashers.isPasswordUsable((await world.user('bob'))!.password)).toBe(false);
    });

    it('deletes a user after a confirmation page listing what goes; refuses without the box ticked or for oneself', async () => {
      const admin = await world.as('root');
      const victim = await world.app.t.createUser('victim', { roles: ['Support'], permissions: ['shop.view_order'] } as never);
      const page = await admin.get(`/admin/users/${victim.id}/delete/`);
      expect(page.status).toBe(200);
      expect(page.body).toContain('its memberships: Support');
      expect(page.body).toContain('its direct permissions: shop.view_order');
      const unticked = await admin.post(`/admin/users/${victim.id}/delete/`, {});
      expect(unticked.status).toBe(400);
      expect(fieldError(unticked.body, 'confirm')).toMatch(/Tick the box/);
      expect(await world.user('victim')).not.toBeNull();
      const self = await admin.post(`/admin/users/${world.users.root!.id}/delete/`, { confirm: 'yes' });
      expect(self.status).toBe(400);
      expect(await world.user('root')).not.toBeNull();
      const done = await admin.post(`/admin/users/${victim.id}/delete/`, { confirm: 'yes' });
      expect(done.status).toBe(303);
      expect(done.location).toBe('/admin/users/?done=deleted');
      expect(await world.user('victim')).toBeNull();
      expect(await world.audit('user.delete')).toContainEqual(
        expect.objectContaining({
          actor: 'root',
          target: 'victim',
          data: { before: expect.objectContaining({ groups: ['Support'], permissions: ['shop.view_order'] }) },
        }),
      );
    });

    it('shows live sessions and ends one, or all, of them', async () => {
      const helpdesk = await world.as('helpdesk');
      const target = world.users.fin!;
      const first = await world.as('fin');
      const second = await world.as('fin');
      const detail = await helpdesk.get(`/admin/users/${target.id}/`);
      const hashes = [...detail.body.matchAll(/name="session" value="([0-9a-f]{64})"/g)].map((m) => m[1]!);
      expect(hashes.length).toBe(2);
      const one = await helpdesk.post(`/admin/users/${target.id}/`, { session: hashes[0]! }, `/admin/users/${target.id}/sessions/`);
      expect(one.status).toBe(303);
      const alive = [(await first.get('/accounts/password_change/')).status, (await second.get('/accounts/password_change/')).status].sort();
      expect(alive).toEqual([200, 302]);
      const other = await helpdesk.post(`/admin/users/${target.id}/`, { session: hashes[0]! }, `/admin/users/${target.id}/sessions/`);
      expect(other.status).toBe(400);
      // A session of another user is not found through this user.
      const rootSession = (await gatehouse().sessions.listForUser(world.users.root!.id))[0]!.idHash;
      expect((await helpdesk.post(`/admin/users/${target.id}/`, { session: rootSession }, `/admin/users/${target.id}/sessions/`)).status).toBe(400);
      const all = await helpdesk.post(`/admin/users/${target.id}/`, { all: '1' }, `/admin/users/${target.id}/sessions/`);
      expect(all.status).toBe(303);
      expect((await first.get('/accounts/password_change/')).status).toBe(302);
      expect((await second.get('/accounts/password_change/')).status).toBe(302);
      expect(await world.audit('sessions.revoke')).toContainEqual(expect.objectContaining({ actor: 'helpdesk', target: 'fin' }));
    });

    it('shows the user\u2019s API tokens and revokes one, or all; another user\u2019s token is not found', async () => {
      const helpdesk = await world.as('helpdesk');
      const target = (await world.user('fin'))!;
      const one = await gatehouse().apiTokens.create(target, { name: 'fin laptop script' });
      const two = await gatehouse().apiTokens.create(target, { name: 'fin ci job' });
      const rootToken = await gatehouse().apiTokens.create((await world.user('root'))!, { name: 'root token' });
      const detail = await helpdesk.get(`/admin/users/${target.id}/`);
      expect(detail.body).toContain('fin laptop script');
      expect(detail.body).not.toContain(one.token.slice(10));
      expect((await helpdesk.post(`/admin/users/${target.id}/`, { token: String(rootToken.info.id) }, `/admin/users/${target.id}/tokens/`)).status).toBe(400);
      expect((await gatehouse().apiTokens.authenticate(rootToken.token)).ok).toBe(true);
      const revoked = await helpdesk.post(`/admin/users/${target.id}/`, { token: String(one.info.id) }, `/admin/users/${target.id}/tokens/`);
      expect(revoked.status).toBe(303);
      expect((await gatehouse().apiTokens.authenticate(one.token)).ok).toBe(false);
      expect((await gatehouse().apiTokens.authenticate(two.token)).ok).toBe(true);
      expect((await helpdesk.post(`/admin/users/${target.id}/`, { all: '1' }, `/admin/users/${target.id}/tokens/`)).status).toBe(303);
      expect((await gatehouse().apiTokens.authenticate(two.token)).ok).toBe(false);
      expect(await world.audit('token.revoked')).toContainEqual(expect.objectContaining({ actor: 'helpdesk', target: 'fin' }));
    });

    it('answers bad list filters and page links with 400 and the error beside the field', async () => {
      expect((await root.get('/admin/users/?active=maybe')).status).toBe(400);
      expect(fieldError((await root.get('/admin/users/?group=abc')).body, 'group')).toMatch(/group/);
      expect((await root.get('/admin/users/?after=-1')).status).toBe(400);
      expect((await root.get('/admin/users/?after=1.%%%')).status).toBe(400);
      expect((await root.get('/admin/permissions/auth.view_user/?after=x')).status).toBe(400);
      expect((await root.get('/admin/permissions/no.such/')).status).toBe(404);
    });

    it('pages the users list by keyset: each user once, in id order', async () => {
      for (let i = 0; i < 60; i++)
        await gatehouse().stores.users.create({
          username: `bulk${String(i).padStart(3, '0')}`,
          email: '',
          password: '!',
          firstName: '',
          lastName: '',
          isActive: true,
          isStaff: false,
          isSuperuser: false,
          dateJoined: 0,
          lastLogin: null,
        });
      const seen: string[] = [];
      let url: string | null = '/admin/users/?q=bulk';
      while (url) {
        const page = await root.get(url);
        seen.push(...[...page.body.matchAll(/>(bulk\d+)<\/a>/g)].map((m) => m[1]!));
        const next = /href="([^"]+)" rel="next"/.exec(page.body)?.[1];
        url = next ? next.replace(/&amp;/g, '&') : null;
      }
      expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => `bulk${String(i).padStart(3, '0')}`));
    });
  });

  describe('groups', () => {
    // A fresh login: the re-auth test above let the first one's password check go stale.
    beforeAll(async () => {
      root = await world.as('root');
    });

    it('creates a group, refusing a blank or taken name with the error beside the field', async () => {
      const blank = await root.post('/admin/groups/add/', { name: '   ' });
      expect(blank.status).toBe(400);
      expect(fieldError(blank.body, 'name')).toMatch(/required/);
      const taken = await root.post('/admin/groups/add/', { name: 'Support' });
      expect(taken.status).toBe(400);
      expect(fieldError(taken.body, 'name')).toMatch(/taken/);
      const created = await root.post('/admin/groups/add/', { name: 'Auditors' });
      expect(created.status).toBe(303);
      expect(await gatehouse().stores.groups.getByName('Auditors')).not.toBeNull();
      expect(await world.audit('group.create')).toContainEqual(expect.objectContaining({ actor: 'root', target: 'Auditors' }));
    });

    it('changes a group’s permissions with the picker, audited before → after; a non-superuser grants only what they hold', async () => {
      const group = (await gatehouse().stores.groups.getByName('Auditors'))!;
      const page = await root.get(`/admin/groups/${group.id}/change/`);
      expect(page.body).toMatch(/<fieldset>\s*<legend>auth<\/legend>/);
      expect(page.body).not.toContain('role kept in code');
      const res = await root.post(`/admin/groups/${group.id}/change/`, { perms: ['auth.view_auditlog', 'auth.view_user'] });
      expect(res.status).toBe(303);
      expect(await gatehouse().stores.groups.permissions(group.id)).toEqual(['auth.view_auditlog', 'auth.view_user']);
      expect(await world.audit('admin.group_change')).toContainEqual(
        expect.objectContaining({ actor: 'root', target: 'Auditors', data: { changes: { permissions: [[], ['auth.view_auditlog', 'auth.view_user']] } } }),
      );
      const bad = await root.post(`/admin/groups/${group.id}/change/`, { perms: ['auth.view_user', 'nope.nope'] });
      expect(bad.status).toBe(400);
      expect(fieldError(bad.body, 'perms')).toMatch(/from the list/);
      const helpdesk = await world.as('helpdesk');
      const beyond = await helpdesk.post(`/admin/groups/${group.id}/change/`, { perms: ['auth.view_auditlog', 'auth.view_user', 'billing.approve_payout'] });
      expect(beyond.status).toBe(400);
      expect(await gatehouse().stores.groups.permissions(group.id)).toEqual(['auth.view_auditlog', 'auth.view_user']);
    });

    it('narrows the picker with a search (no script), keeping the ticked permissions it hides', async () => {
      const group = (await gatehouse().stores.groups.getByName('Auditors'))!;
      const page = await root.get(`/admin/groups/${group.id}/change/?filter=billing`);
      expect(page.status).toBe(200);
      const boxes = [...page.body.matchAll(/type="checkbox"[^>]*name="perms" value="([^"]+)"/g)].map((m) => m[1]!);
      expect(boxes.length).toBeGreaterThan(3);
      expect(boxes.every((name) => name.startsWith('billing.'))).toBe(true);
      const hidden = [...page.body.matchAll(/type="hidden" name="perms" value="([^"]+)"/g)].map((m) => m[1]);
      expect(hidden).toEqual(['auth.view_auditlog', 'auth.view_user']);
      // Saving the filtered view: what was hidden and ticked stays, the shown box ticked is added.
      const token = root.client.lastToken;
      const saved = await root.postRaw(`/admin/groups/${group.id}/change/`, {
        csrfmiddlewaretoken: token,
        perms: ['auth.view_auditlog', 'auth.view_user', 'billing.view_invoice'],
      });
      expect(saved.status).toBe(303);
      expect(await gatehouse().stores.groups.permissions(group.id)).toEqual(['auth.view_auditlog', 'auth.view_user', 'billing.view_invoice']);
      await root.post(`/admin/groups/${group.id}/change/`, { perms: ['auth.view_auditlog', 'auth.view_user'] });
      expect((await root.get(`/admin/groups/${group.id}/change/?filter=zzz`)).body).toContain('No permission matches.');
    });

    it('marks roles kept in code, warns that roles apply reverts an edit, and shows the drift', async () => {
      const support = (await gatehouse().stores.groups.getByName('Support'))!;
      const list = await root.get('/admin/groups/');
      expect(list.body).toMatch(/Support<\/a><\/th>\s*<td><span class="tag">role in code<\/span>/);
      const page = await root.get(`/admin/groups/${support.id}/change/`);
      expect(page.body).toContain('roles apply</code> reverts them');
      expect(page.body).toContain('It matches the code now');
      await root.post(`/admin/groups/${support.id}/change/`, { perms: ['auth.view_user', 'shop.view_all_orders', 'shop.view_order'] });
      const drifted = await root.get(`/admin/groups/${support.id}/`);
      expect(drifted.body).toContain('granted here, not in code');
      expect(drifted.body).toContain('shop.view_order');
      expect((await root.get('/admin/groups/')).body).toContain('drifted');
    });

    it('deletes a group after a confirmation, ending its members’ sessions', async () => {
      const group = (await gatehouse().stores.groups.getByName('Auditors'))!;
      const member = await world.app.t.createUser('auditor1', { roles: ['Auditors'], password: 'correct horse battery staple' } as never);
      expect(member.id).toBeGreaterThan(0);
      const memberClient = await world.as('auditor1');
      const unticked = await root.post(`/admin/groups/${group.id}/delete/`, {});
      expect(unticked.status).toBe(400);
      const page = await root.get(`/admin/groups/${group.id}/delete/`);
      expect(page.body).toContain('1 membership');
      const done = await root.post(`/admin/groups/${group.id}/delete/`, { confirm: 'yes' });
      expect(done.status).toBe(303);
      expect(await gatehouse().stores.groups.getByName('Auditors')).toBeNull();
      expect((await memberClient.get('/accounts/password_change/')).status).toBe(302);
      expect((await root.get(`/admin/groups/${group.id}/`)).status).toBe(404);
    });
  });

  describe('permissions and the audit log', () => {
    it('lists every permission as declared or orphaned, and who has one (groups, direct, superusers)', async () => {
      await gatehouse().stores.permissions.sync([{ appLabel: 'legacy', model: null, codename: 'old_thing', name: 'An old permission' }]);
      const list = await root.get('/admin/permissions/');
      expect(list.body).toContain('1 permission is orphaned');
      expect(list.body).toMatch(/legacy\.old_thing<\/code><\/a><\/th><td>An old permission<\/td><td><\/td><td><span class="tag warn">orphaned/);
      const who = await root.get('/admin/permissions/shop.view_all_orders/');
      expect(who.body).toMatch(/>sam<\/a><\/th><td>[\s\S]*?<\/td><td>group Support<\/td>/);
      expect(who.body).toContain('>root</a>');
    });

    it('filters the audit log by actor, target, event family, decision and dates, and links entries to users', async () => {
      const byActor = await root.get('/admin/audit/?actor=helpdesk&event=admin.*');
      expect(byActor.status).toBe(200);
      expect(byActor.body).toContain('<code>admin.user_flags</code>');
      expect(byActor.body).not.toContain('<code>auth.login</code>');
      expect(byActor.body).toContain('href="/admin/users/?q=helpdesk"');
      const byTarget = await root.get('/admin/audit/?target=bob&event=auth.password_set');
      expect(byTarget.body).toContain('<code>auth.password_set</code>');
      const today = new Date(world.app.t.clock.now()).toISOString().slice(0, 10);
      expect((await root.get(`/admin/audit/?from=${today}&to=${today}`)).status).toBe(200);
      expect((await root.get('/admin/audit/?from=2000-01-01&to=2000-01-02')).body).toContain('No entry matches');
      for (const [query, field] of [
        ['from=2026-13-01', 'from'],
        ['to=yesterday', 'to'],
        ['event=DROP TABLE', 'event'],
        ['decision=maybe', 'decision'],
        ['before=abc', 'before'],
        ['from=2026-02-02&to=2026-02-01', 'to'],
      ] as const) {
        const res = await root.get(`/admin/audit/?${query}`);
        expect(res.status, query).toBe(400);
        expect(fieldError(res.body, field), query).not.toBeNull();
      }
    });

    it('verifies the chain: intact, then broken at the entry that was edited', async () => {
      const intact = await root.get('/admin/audit/verify/');
      expect(intact.body).toContain('<strong>Intact.</strong>');
      const [victim] = await gatehouse().stores.audit.list({ fromSeq: 3, limit: 1 });
      await world.app.t.database.db.updateTable('gh_audit_log').set({ actor: 'mallory' }).where('seq', '=', victim!.seq).execute();
      const broken = await root.get('/admin/audit/verify/');
      expect(broken.body).toContain(`<strong>Broken at entry ${victim!.seq}.</strong>`);
      await world.app.t.database.db.updateTable('gh_audit_log').set({ actor: victim!.actor }).where('seq', '=', victim!.seq).execute();
    });

    it('exports a date range as CSV or JSON lines, defusing spreadsheet formulas; refuses a bad format', async () => {
      await gatehouse().audit.record({ actor: '=cmd|calc', action: 'test.formula', target: 'x,y', data: {} });
      const csv = await root.get('/admin/audit/export/?format=csv&event=test.formula');
      expect(csv.status).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-start-now\.csv"/);
      const lines = csv.body.trim().split('\n');
      expect(lines[0]).toBe('seq,at,actor,action,target,ip,data,prev_hash,hash');
      expect(lines[1]).toContain(',\'=cmd|calc,test.formula,"x,y",');
      const jsonl = await root.get('/admin/audit/export/?format=jsonl&event=test.formula');
      expect(JSON.parse(jsonl.body.trim())).toMatchObject({ actor: '=cmd|calc', action: 'test.formula', target: 'x,y' });
      const all = await root.get('/admin/audit/export/?format=jsonl');
      expect(all.body.trim().split('\n').length).toBeGreaterThan(20);
      expect((await root.get('/admin/audit/export/?format=xml')).status).toBe(400);
      expect(await world.audit('admin.audit_export')).toContainEqual(expect.objectContaining({ actor: 'root' }));
    });
  });
});

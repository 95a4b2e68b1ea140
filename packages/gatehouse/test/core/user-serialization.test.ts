/**
 * Issue 9, item 12: a `User` (and the anonymous user) never shows its password hash when
 * serialized, listed, inspected, spread or cloned; the library still reads `user.password`.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { anonymousUser, publicUser, toUser, userRecord, type UserRecord } from '../../src/core/user.js';

const HASH = 'argon2$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';

const record: UserRecord = {
  id: 7,
  username: 'alice',
  email: 'alice@example.com',
  password: HASH,
  firstName: 'Alice',
  lastName: 'Liddell',
  isActive: true,
  isStaff: false,
  isSuperuser: false,
  lastLogin: 1_767_225_600_000,
  dateJoined: 1_767_139_200_000,
  authEpoch: 4,
};

const PUBLIC_KEYS = [
  'id',
  'username',
  'email',
  'firstName',
  'lastName',
  'isActive',
  'isStaff',
  'isSuperuser',
  'lastLogin',
  'dateJoined',
  'isAuthenticated',
  'isAnonymous',
];

describe('a User serializes to its public shape', () => {
  const user = toUser(record);

  it('keeps the hash readable by the library', () => {
    expect(user.password).toBe(HASH);
    expect('password' in user).toBe(true);
  });

  it('JSON.stringify gives the public fields only: no password key, no hash, no auth epoch', () => {
    const json = JSON.stringify(user);
    expect(json).not.toContain(HASH);
    expect(json).not.toContain('argon2');
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual([...PUBLIC_KEYS].sort());
    expect(parsed).toEqual({ ...publicUser(user) });
    expect(parsed).toMatchObject({
      id: 7,
      username: 'alice',
      email: 'alice@example.com',
      isAuthenticated: true,
      isAnonymous: false,
      lastLogin: 1_767_225_600_000,
    });
    // Nested too, as a reply body or a log object would carry it.
    expect(JSON.stringify({ user, list: [user] })).not.toContain(HASH);
  });

  it('Object.keys / entries list no password (nor toJSON)', () => {
    expect(Object.keys(user)).not.toContain('password');
    expect(Object.keys(user)).not.toContain('toJSON');
    expect(Object.keys(user).sort()).toEqual([...PUBLIC_KEYS, 'authEpoch'].sort());
    expect(Object.entries(user).some(([, value]) => value === HASH)).toBe(false);
  });

  it('util.inspect shows no hash, with or without hidden properties', () => {
    expect(inspect(user)).not.toContain(HASH);
    expect(inspect(user, { showHidden: true, depth: 5 })).not.toContain(HASH);
    expect(inspect({ nested: { user } })).not.toContain(HASH);
    expect(inspect(user)).toContain('alice');
  });

  it('a spread or structuredClone drops the hash instead of copying it', () => {
    expect(JSON.stringify({ ...user })).not.toContain(HASH);
    expect(({ ...user } as { password?: string }).password).toBeUndefined();
    expect((structuredClone(user) as { password?: string }).password).toBeUndefined();
    expect(Object.assign({}, user)).not.toHaveProperty('password');
  });

  it('stays frozen: the hash cannot be replaced, deleted or made enumerable', () => {
    expect(Object.isFrozen(user)).toBe(true);
    expect(() => {
      (user as { password: string }).password = 'x';
    }).toThrow(TypeError);
    expect(() => delete (user as { password?: string }).password).toThrow(TypeError);
    expect(() => Object.defineProperty(user, 'password', { enumerable: true })).toThrow(TypeError);
  });

  it('userRecord copies every row field, the hash included, so the library can derive a snapshot', () => {
    expect(userRecord(user)).toEqual(record);
    const changed = toUser({ ...userRecord(user), lastLogin: 5 });
    expect(changed.password).toBe(HASH);
    expect(changed.lastLogin).toBe(5);
    expect(JSON.stringify(changed)).not.toContain(HASH);
  });
});

describe('the anonymous user serializes the same way', () => {
  it('has an empty, non-enumerable password and a public JSON shape', () => {
    expect(anonymousUser.password).toBe('');
    expect(Object.keys(anonymousUser)).not.toContain('password');
    const parsed = JSON.parse(JSON.stringify(anonymousUser)) as Record<string, unknown>;
    expect(parsed).not.toHaveProperty('password');
    expect(Object.keys(parsed).sort()).toEqual([...PUBLIC_KEYS].sort());
    expect(parsed).toMatchObject({ id: null, isAuthenticated: false, isAnonymous: true });
    expect(inspect(anonymousUser)).not.toContain('password');
  });
});

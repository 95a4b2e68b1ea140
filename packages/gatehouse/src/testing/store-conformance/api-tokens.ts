/** `ApiTokenStore` scenarios: rows by hash joined with their user, ownership, cascades. */
import type { NewApiTokenRecord } from '../../core/ports.js';
import { rejectionOf, userRecord } from './fixtures.js';
import type { ScenarioContext } from './runner.js';

let counter = 0;

function tokenRecord(userId: number, overrides: Partial<NewApiTokenRecord> = {}): NewApiTokenRecord {
  counter += 1;
  return {
    userId,
    name: `token ${counter}`,
    tokenHash: counter.toString(16).padStart(64, 'a'),
    prefix: 'gh_abcdefg',
    permissions: null,
    createdAt: 1_700_000_000_000 + counter,
    expiresAt: null,
    lastUsedAt: null,
    lastUsedIp: null,
    ...overrides,
  };
}

/** Registers the API token store's scenarios. */
export function apiTokenScenarios({ it, expect, stores }: ScenarioContext): void {
  it('stores a token and reads every field back, by id and by hash with its user', async () => {
    const user = await stores().users.create(userRecord());
    const made = await stores().apiTokens.create(
      tokenRecord(user.id, { permissions: ['billing.view_invoice', 'auth.view_user'], expiresAt: 1_800_000_000_000 }),
    );
    expect(await stores().apiTokens.get(made.id)).toEqual(made);
    const joined = await stores().apiTokens.getWithUser(made.tokenHash);
    expect(joined?.token).toEqual(made);
    expect(joined?.user).toEqual(user);
    expect(await stores().apiTokens.getWithUser('0'.repeat(64))).toBeNull();
  });

  it('refuses a second token with the same hash', async () => {
    const user = await stores().users.create(userRecord());
    const first = await stores().apiTokens.create(tokenRecord(user.id));
    await rejectionOf(stores().apiTokens.create(tokenRecord(user.id, { tokenHash: first.tokenHash })));
    expect(await stores().apiTokens.listByUser(user.id)).toHaveLength(1);
  });

  it("lists a user's tokens newest first, deletes only the owner's with userId, and all of a user's", async () => {
    const user = await stores().users.create(userRecord());
    const other = await stores().users.create(userRecord());
    const older = await stores().apiTokens.create(tokenRecord(user.id, { createdAt: 1_000 }));
    const newer = await stores().apiTokens.create(tokenRecord(user.id, { createdAt: 2_000 }));
    const theirs = await stores().apiTokens.create(tokenRecord(other.id));
    expect((await stores().apiTokens.listByUser(user.id)).map((t) => t.id)).toEqual([newer.id, older.id]);
    expect(await stores().apiTokens.delete(theirs.id, { userId: user.id })).toBe(false);
    expect(await stores().apiTokens.get(theirs.id)).toEqual(theirs);
    expect(await stores().apiTokens.delete(older.id, { userId: user.id })).toBe(true);
    expect(await stores().apiTokens.delete(older.id)).toBe(false);
    expect(await stores().apiTokens.deleteByUser(user.id)).toBe(1);
    expect(await stores().apiTokens.listByUser(user.id)).toEqual([]);
  });

  it('records the last use, and deletes tokens with their user', async () => {
    const user = await stores().users.create(userRecord());
    const made = await stores().apiTokens.create(tokenRecord(user.id));
    await stores().apiTokens.touch(made.id, 5_000, '192.0.2.7');
    expect(await stores().apiTokens.get(made.id)).toMatchObject({ lastUsedAt: 5_000, lastUsedIp: '192.0.2.7' });
    await stores().users.delete(user.id);
    expect(await stores().apiTokens.get(made.id)).toBeNull();
  });
}

/**
 * The per-process permission cache's memory per 10k users (issue 14): fills an `Authorization`
 * cache with 10k users' sets, each of `--perms` permissions from a pool shaped like the example's
 * (4 groups' worth of names, shared strings), and reports the heap growth. Run with
 * `node --expose-gc --import tsx bench/permission-cache-memory.ts [--perms 5] [--distinct]`.
 */
import { Authorization } from '../src/core/authorization.js';
import { stampAuthzVersions } from '../src/core/authz-versions.js';
import type { Stores, UserPermissionRows } from '../src/core/ports.js';
import { type User, toUser } from '../src/core/user.js';

const USERS = 10_000;
const perms = Number(process.argv[process.argv.indexOf('--perms') + 1] || 5);
const distinct = process.argv.includes('--distinct');
const pool = Array.from({ length: 40 }, (_, i) => `app${i % 5}.perm_${i}`);
const groups = ['Finance Approver', 'Support', 'Staff Ops', 'Regular User'];

// A store answering from memory: the cache's own cost is what is measured, not a driver's.
const stores = {
  permissions: {
    async userPermissionRows(userId: number): Promise<UserPermissionRows> {
      const viaGroups = Array.from({ length: perms }, (_, i) => ({
        group: groups[(userId + i) % groups.length]!,
        permission: pool[(userId + i) % pool.length]!,
      }));
      // --distinct: every user also has a direct grant of their own, so no two sets are alike.
      return { direct: distinct ? [`app.own_${userId}`] : [], viaGroups };
    },
  },
} as unknown as Stores;

function user(id: number): User {
  const u = toUser({
    id,
    username: `u${id}`,
    email: '',
    password: '!',
    firstName: '',
    lastName: '',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    lastLogin: null,
    dateJoined: 0,
    authEpoch: 0,
  });
  stampAuthzVersions(u, { user: 0, global: 0 });
  return u;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const authz = new Authorization(stores, USERS);
gc();
const before = process.memoryUsage().heapUsed;
for (let id = 1; id <= USERS; id++) await authz.hasPerm(user(id), pool[0]!);
gc();
const after = process.memoryUsage().heapUsed;
const stats = authz.cacheStats();
process.stdout.write(
  `${JSON.stringify({ users: stats.size, permsPerUser: perms, distinctSets: distinct, heapBytes: after - before, bytesPerUser: Math.round((after - before) / stats.size), mbPer10k: +((after - before) / 1024 / 1024).toFixed(2) })}\n`,
);

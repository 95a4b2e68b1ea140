/**
 * Model-level permission checks, Django's rules: an inactive user has no permissions (even a
 * superuser); an active superuser has every permission, even one nobody declared; everyone else
 * has the union of direct grants and their groups' grants.
 *
 * Caching, in two layers:
 * - Per process, by user id, validated by version stamps. Every store change to what a user may
 *   do (grant, revoke, membership, flags, password, epoch) bumps that user's
 *   `auth_user.authz_version` in the same transaction; every change to what a group grants
 *   (group grants, group delete, roles apply, permission sync, Django import) bumps the one-row
 *   global version. The session lookup reads both with the session and user, in the one query
 *   every request already makes, and stamps them on the `User` (authz-versions.ts). A cached set
 *   is used only when it was stored under exactly the versions of this request's lookup, so a
 *   change committed by another instance or by the CLI is seen by the very next request on every
 *   instance, with no cross-process invalidation. The stamp is read BEFORE the grants are loaded,
 *   so a set is never stored under a version newer than the grants it holds. Bounded (LRU,
 *   `permissionCache.size`), with hit/miss counters (`cacheStats`). Identical sets are shared.
 * - Per `User` object (a WeakMap), for users read without a stamp (CLI, admin lookups): loaded
 *   once per snapshot, which lives as long as the request. `clearCache(user)` (called by every
 *   grant/revoke that gatehouse performs) forgets both layers' entries for that user.
 */
import { authzVersionsOf } from './authz-versions.js';
import type { Stores, UserPermissionRows } from './ports.js';
import { scopeOf } from './token-scope.js';
import type { AnyUser, User } from './user.js';
import { permissionNameOf } from './permission-name.js';

/** A user's loaded permissions. */
export interface PermissionSet {
  readonly direct: ReadonlySet<string>;
  readonly viaGroups: ReadonlySet<string>;
  readonly all: ReadonlySet<string>;
  /** Group names by permission, for explanations. */
  readonly groupsByPermission: ReadonlyMap<string, readonly string[]>;
}

/** Why a user has, or lacks, a permission. */
export interface PermissionExplanation {
  granted: boolean;
  /** One sentence for people. */
  summary: string;
  /** What gave it, when granted. */
  sources: ({ kind: 'superuser' } | { kind: 'direct' } | { kind: 'group'; group: string })[];
  /** What blocked it, when not granted. */
  blockedBy: 'anonymous' | 'inactive' | 'not_granted' | null;
}

const EMPTY: PermissionSet = Object.freeze({
  direct: new Set<string>(),
  viaGroups: new Set<string>(),
  all: new Set<string>(),
  groupsByPermission: new Map<string, string[]>(),
});

function toPermissionSet(rows: UserPermissionRows): PermissionSet {
  const groupsByPermission = new Map<string, string[]>();
  for (const { group, permission } of rows.viaGroups) {
    const list = groupsByPermission.get(permission);
    if (list) list.push(group);
    else groupsByPermission.set(permission, [group]);
  }
  const direct = new Set(rows.direct);
  const viaGroups = new Set(groupsByPermission.keys());
  return { direct, viaGroups, all: new Set([...direct, ...viaGroups]), groupsByPermission };
}

/** Counters of the per-process permission cache, for metrics. */
export interface PermissionCacheStats {
  /** Checks answered from the cache (the stamp matched). */
  hits: number;
  /** Stamped checks that had to load (absent, or stored under other versions). */
  misses: number;
  /** Entries dropped to stay within `capacity`. */
  evictions: number;
  /** Users cached now. */
  size: number;
  /** `permissionCache.size`. */
  capacity: number;
}

interface CacheEntry {
  readonly userVersion: number;
  readonly globalVersion: number;
  readonly set: PermissionSet;
  /** Used since it was last passed over for eviction (the second-chance bit). */
  referenced: boolean;
}

/** Permission checks over the stores, with the caches described above. */
export class Authorization {
  private readonly pending = new WeakMap<User, Promise<PermissionSet>>();
  private readonly loaded = new WeakMap<User, PermissionSet>();
  // Approximate LRU ("second chance", CLOCK): a Map iterates in insertion order; a hit only sets
  // a bit (no reordering on the hot path), and eviction moves a referenced entry to the back once
  // instead of dropping it.
  private readonly byId = new Map<number, CacheEntry>();
  // Identical sets are shared: users of the same roles hold the same grants, so 10k users cost
  // a few sets plus one small entry each. Weakly held: a set no entry uses any more is collected.
  private readonly interned = new Map<string, WeakRef<PermissionSet>>();
  private readonly forget = new FinalizationRegistry<string>((key) => {
    if (this.interned.get(key)?.deref() === undefined) this.interned.delete(key);
  });
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(
    private readonly stores: Stores,
    private readonly capacity = 10_000,
  ) {}

  /** The set for these rows, shared with every other user who has exactly the same rows. */
  private intern(rows: UserPermissionRows): PermissionSet {
    const key = JSON.stringify([[...rows.direct].sort(), rows.viaGroups.map((g) => `${g.group}\u0000${g.permission}`).sort()]);
    const known = this.interned.get(key)?.deref();
    if (known) return known;
    const set = toPermissionSet(rows);
    this.interned.set(key, new WeakRef(set));
    this.forget.register(set, key);
    return set;
  }

  /** Hit/miss counters and size of the per-process cache. */
  cacheStats(): PermissionCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, size: this.byId.size, capacity: this.capacity };
  }

  /** The cached set valid for this snapshot's stamp, counting the hit or miss; undefined on a miss. */
  private fromCache(user: User): PermissionSet | undefined {
    const stamp = authzVersionsOf(user);
    if (!stamp || this.capacity === 0) return undefined;
    const entry = this.byId.get(user.id);
    if (entry && entry.userVersion === stamp.user && entry.globalVersion === stamp.global) {
      this.hits++;
      entry.referenced = true;
      return entry.set;
    }
    this.misses++;
    return undefined;
  }

  private remember(user: User, set: PermissionSet): void {
    const stamp = authzVersionsOf(user);
    if (!stamp || this.capacity === 0) return;
    this.byId.delete(user.id);
    this.byId.set(user.id, { userVersion: stamp.user, globalVersion: stamp.global, set, referenced: false });
    // At most one pass over the entries: each referenced one is moved back once, bit cleared.
    while (this.byId.size > this.capacity) {
      const [oldestId, oldest] = this.byId.entries().next().value as [number, CacheEntry];
      this.byId.delete(oldestId);
      if (oldest.referenced) {
        oldest.referenced = false;
        this.byId.set(oldestId, oldest);
      } else {
        this.evictions++;
      }
    }
  }

  /** The user's permission set: from the validated cache, else loaded once per `User` object. */
  permissionsOf(user: AnyUser): Promise<PermissionSet> | PermissionSet {
    if (!user.isAuthenticated || !user.isActive) return EMPTY;
    const ready = this.loaded.get(user);
    if (ready) return ready;
    // A hit is not copied into the per-object map: a WeakMap insertion costs more than asking
    // the cache again.
    const cached = this.fromCache(user);
    if (cached) return cached;
    let promise = this.pending.get(user);
    if (!promise) {
      promise = this.stores.permissions.userPermissionRows(user.id).then((rows) => {
        const set = this.capacity === 0 ? toPermissionSet(rows) : this.intern(rows);
        this.loaded.set(user, set);
        this.pending.delete(user);
        this.remember(user, set);
        return set;
      });
      this.pending.set(user, promise);
      // A failed load must not be cached: the next call retries.
      promise.catch(() => this.pending.delete(user));
    }
    return promise;
  }

  /** Forgets the cached permissions of this `User` object (after granting or revoking). */
  clearCache(user: AnyUser): void {
    if (user.isAuthenticated) {
      this.loaded.delete(user);
      this.pending.delete(user);
      // The change bumped the stored version, but this request's snapshot still carries the old
      // stamp: without this, the rest of the request would be answered from the old set.
      this.byId.delete(user.id);
    }
  }

  /** Django's `has_perm`. */
  async hasPerm(user: AnyUser, perm: string): Promise<boolean> {
    if (!user.isActive) return false;
    // A token limited to some permissions: never beyond them, whatever its user holds.
    const scope = scopeOf(user);
    if (scope !== undefined && !scope.has(perm)) return false;
    if (user.isSuperuser) return true;
    const set = this.permissionsOf(user);
    // No await on a warm answer: one microtask fewer on every check.
    return set instanceof Promise ? (await set).all.has(perm) : set.all.has(perm);
  }

  /** True when the user has every one of `perms` (Django's `has_perms`). */
  async hasPerms(user: AnyUser, perms: readonly string[]): Promise<boolean> {
    if (!user.isActive) return false;
    const scope = scopeOf(user);
    if (scope !== undefined && !perms.every((p) => scope.has(p))) return false;
    if (user.isSuperuser) return true;
    const set = await this.permissionsOf(user);
    return perms.every((p) => set.all.has(p));
  }

  /** True when the user has any permission in the app (Django's `has_module_perms`). */
  async hasModulePerms(user: AnyUser, appLabel: string): Promise<boolean> {
    if (!user.isActive) return false;
    const prefix = `${appLabel}.`;
    if (scopeOf(user) !== undefined) {
      for (const p of await this.getAllPermissions(user)) if (p.startsWith(prefix)) return true;
      return false;
    }
    if (user.isSuperuser) return true;
    for (const p of (await this.permissionsOf(user)).all) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** Every permission name the user has; for a superuser every permission in the database. */
  async getAllPermissions(user: AnyUser): Promise<Set<string>> {
    if (!user.isActive) return new Set();
    const all = user.isSuperuser ? new Set((await this.stores.permissions.list()).map(permissionNameOf)) : new Set((await this.permissionsOf(user)).all);
    const scope = scopeOf(user);
    if (scope !== undefined) for (const p of all) if (!scope.has(p)) all.delete(p);
    return all;
  }

  /** Direct grants only (Django's `get_user_permissions`). */
  async getUserPermissions(user: AnyUser): Promise<Set<string>> {
    if (!user.isActive) return new Set();
    if (user.isSuperuser) return this.getAllPermissions(user);
    return new Set((await this.permissionsOf(user)).direct);
  }

  /** Grants through groups only (Django's `get_group_permissions`). */
  async getGroupPermissions(user: AnyUser): Promise<Set<string>> {
    if (!user.isActive) return new Set();
    if (user.isSuperuser) return this.getAllPermissions(user);
    return new Set((await this.permissionsOf(user)).viaGroups);
  }

  /** Says which direct grant, group or flag gives `perm`, or what blocks it. */
  async explainPerm(user: AnyUser, perm: string): Promise<PermissionExplanation> {
    if (!user.isAuthenticated) {
      return { granted: false, summary: 'Anonymous users have no permissions.', sources: [], blockedBy: 'anonymous' };
    }
    if (!user.isActive) {
      return { granted: false, summary: `${user.username} is inactive, and inactive users have no permissions.`, sources: [], blockedBy: 'inactive' };
    }
    const set = await this.permissionsOf(user);
    const sources: PermissionExplanation['sources'] = [];
    if (user.isSuperuser) sources.push({ kind: 'superuser' });
    if (set.direct.has(perm)) sources.push({ kind: 'direct' });
    for (const group of set.groupsByPermission.get(perm) ?? []) sources.push({ kind: 'group', group });
    if (sources.length === 0) {
      return {
        granted: false,
        summary: `${user.username} does not have ${perm}: no direct grant, no group grants it, and the user is not a superuser.`,
        sources,
        blockedBy: 'not_granted',
      };
    }
    const words = sources.map((s) => (s.kind === 'superuser' ? 'the superuser flag' : s.kind === 'direct' ? 'a direct grant' : `group "${s.group}"`));
    return { granted: true, summary: `${user.username} has ${perm} through ${words.join(', ')}.`, sources, blockedBy: null };
  }
}

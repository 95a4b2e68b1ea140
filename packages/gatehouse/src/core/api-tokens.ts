/**
 * Personal API tokens: bearer credentials for scripts, other services and mobile apps, in the
 * spirit of GitHub's fine-grained tokens.
 *
 * - A token is `gh_` and 43 base64url characters (256 random bits). Only its SHA-256 is stored:
 *   a leaked table cannot be replayed, and a fast hash suffices because there is nothing to guess.
 *   It is shown once, when it is made.
 * - It belongs to one user and is never more than that user: the user row is read with the token
 *   on every request (one indexed join), so deactivation or a lost role takes effect on the next
 *   request. It may be limited further to a subset of the user's permissions.
 * - It has a name and an expiry (at most `MAX_LIFETIME_DAYS`, unless made without one for a
 *   service account by an operator), records when and from where it was last used (written at
 *   most once a minute), and can be revoked by its user, by staff with the permission, or by the
 *   CLI. A password reset revokes every token of the account: a reset is how an owner takes an
 *   account back, and a token made by whoever had it must not survive that.
 * - Creating and revoking are audited; so is every refused use of a known token.
 */
import { hash } from 'node:crypto';
import { stampAuthzVersions } from './authz-versions.js';
import type { AuditLog } from './audit.js';
import type { Clock, RandomSource } from './clock.js';
import { NotFoundError, ValidationError } from './errors.js';
import type { ApiTokenRecord, Stores } from './ports.js';
import { storableText } from './text.js';
import { limitToScope } from './token-scope.js';
import type { User } from './user.js';

/** A token's visible beginning, before its random part. */
export const API_TOKEN_PREFIX = 'gh_';
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^gh_[A-Za-z0-9_-]{43}$/;
/** Characters of the token kept in the clear, to tell tokens apart in lists. */
const SHOWN_CHARS = 10;
/** Default lifetime of a token made without one. */
export const DEFAULT_LIFETIME_DAYS = 90;
/** The longest lifetime a user may give a token. */
export const MAX_LIFETIME_DAYS = 366;
const NAME_MAX = 100;
/** Live tokens a user may hold at once: enough for every script, and a bound on a flood. */
export const MAX_TOKENS_PER_USER = 100;
/** Last-use time and address are written at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 24 * 3600 * 1000;

/** A token as shown to its owner (never the secret, never its hash). */
export interface ApiTokenInfo {
  id: number;
  name: string;
  /** `gh_1a2b3c4…`: the first characters, to recognise it. */
  prefix: string;
  permissions: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

/** What `ApiTokens.create` takes. */
export interface CreateApiTokenOptions {
  name: string;
  /** Days until it expires (default 90, at most 366), or null for none (operators only: `allowNoExpiry`). */
  expiresInDays?: number | null;
  /** Limit the token to these permissions (each must be one the user holds now); omit for all of the user's. */
  permissions?: readonly string[];
  /** Who made it, for the audit log (the user themselves by default; the CLI passes its operator). */
  actor?: string | null;
  /** Lets `expiresInDays: null` through: service accounts made by an operator. */
  allowNoExpiry?: boolean;
  ip?: string | null;
}

/** A token just made: `token` is the secret, shown this once. */
export interface CreatedApiToken {
  token: string;
  info: ApiTokenInfo;
}

/** A bearer request's outcome. */
export type ApiTokenAuthentication = { ok: true; user: User; token: ApiTokenInfo } | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'inactive' };

/** The stored form of a token. */
export function hashApiToken(token: string): string {
  // One-shot hash (Node 20.12+): a third of createHash().update().digest()'s cost, on every request.
  return hash('sha256', token, 'hex');
}

function info(record: ApiTokenRecord): ApiTokenInfo {
  return {
    id: record.id,
    name: record.name,
    prefix: `${record.prefix}…`,
    permissions: record.permissions,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    lastUsedAt: record.lastUsedAt,
    lastUsedIp: record.lastUsedIp,
  };
}

/** Everything a `User` may hold, to check a requested subset against. */
export interface PermissionLister {
  getAllPermissions(user: User): Promise<Set<string>>;
}

/** Makes, checks, lists and revokes personal API tokens. */
export class ApiTokens {
  constructor(
    private readonly stores: Stores,
    private readonly audit: AuditLog,
    private readonly permissions: PermissionLister,
    private readonly clock: Clock,
    private readonly random: RandomSource,
  ) {}

  /** Makes a token for `user`; the secret is in the result only. */
  async create(user: User, options: CreateApiTokenOptions): Promise<CreatedApiToken> {
    const errors: { code: string; message: string }[] = [];
    const name = storableText(typeof options.name === 'string' ? options.name.trim() : '');
    if (name === '') errors.push({ code: 'gatehouse.api_token.name_required', message: 'Give the token a name.' });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
    else if (/[\u0000-\u001f\u007f\ufffd]/.test(name))
      errors.push({ code: 'gatehouse.api_token.name_invalid', message: 'The name may not contain control characters.' });
    else if (name.length > NAME_MAX) errors.push({ code: 'gatehouse.api_token.name_too_long', message: `The name is longer than ${NAME_MAX} characters.` });
    const days = options.expiresInDays === undefined ? DEFAULT_LIFETIME_DAYS : options.expiresInDays;
    if (days === null) {
      if (!options.allowNoExpiry) errors.push({ code: 'gatehouse.api_token.expiry_required', message: 'A token needs an expiry.' });
    } else if (!Number.isInteger(days) || days < 1 || days > MAX_LIFETIME_DAYS) {
      errors.push({ code: 'gatehouse.api_token.invalid_expiry', message: `The expiry must be a whole number of days from 1 to ${MAX_LIFETIME_DAYS}.` });
    }
    let permissions: string[] | null = null;
    if (options.permissions !== undefined) {
      const held = await this.permissions.getAllPermissions(user);
      permissions = [...new Set(options.permissions)].sort();
      const beyond = permissions.filter((p) => typeof p !== 'string' || !held.has(p));
      // A token is never more than its user: asking for more is an error, not a silent trim.
      if (beyond.length > 0)
        errors.push({ code: 'gatehouse.api_token.permission_not_held', message: `You do not hold: ${beyond.slice(0, 5).map(String).join(', ')}.` });
    }
    if (!user.isActive) errors.push({ code: 'gatehouse.api_token.inactive_user', message: 'An inactive account cannot have tokens.' });
    // A soft cap (two creations racing may both pass it): it bounds a flood, not a count to the unit.
    else if ((await this.stores.apiTokens.listByUser(user.id)).length >= MAX_TOKENS_PER_USER) {
      errors.push({ code: 'gatehouse.api_token.too_many', message: `You have ${MAX_TOKENS_PER_USER} tokens already: revoke one first.` });
    }
    if (errors.length > 0) throw new ValidationError(errors);

    const token = `${API_TOKEN_PREFIX}${Buffer.from(this.random.bytes(TOKEN_BYTES)).toString('base64url')}`;
    const now = this.clock.now();
    const record = await this.stores.apiTokens.create({
      userId: user.id,
      name,
      tokenHash: hashApiToken(token),
      prefix: token.slice(0, SHOWN_CHARS),
      permissions,
      createdAt: now,
      expiresAt: days === null ? null : now + days * DAY_MS,
      lastUsedAt: null,
      lastUsedIp: null,
    });
    await this.audit.record({
      actor: options.actor === undefined ? user.username : options.actor,
      action: 'token.created',
      target: user.username,
      ip: options.ip ?? null,
      data: { tokenId: record.id, name, prefix: record.prefix, expiresAt: record.expiresAt, permissions },
    });
    return { token, info: info(record) };
  }

  /**
   * The user a bearer token stands for, limited to the token's permissions, or why not. Never
   * throws for bad input: a malformed header is just `malformed`, checked before any query.
   */
  async authenticate(token: string, meta: { ip?: string | null } = {}): Promise<ApiTokenAuthentication> {
    if (!TOKEN_PATTERN.test(token)) return { ok: false, reason: 'malformed' };
    const found = await this.stores.apiTokens.getWithUser(hashApiToken(token));
    if (!found) return { ok: false, reason: 'unknown' };
    const { token: record, user, authzVersions } = found;
    if (authzVersions) stampAuthzVersions(user, authzVersions);
    const now = this.clock.now();
    if (record.expiresAt !== null && now >= record.expiresAt) return { ok: false, reason: 'expired' };
    if (!user.isActive) return { ok: false, reason: 'inactive' };
    if (record.permissions !== null) limitToScope(user, record.permissions);
    if (record.lastUsedAt === null || now - record.lastUsedAt >= TOUCH_INTERVAL_MS) {
      await this.stores.apiTokens.touch(record.id, now, (meta.ip ?? null)?.slice(0, 64) ?? null);
      return { ok: true, user, token: info({ ...record, lastUsedAt: now, lastUsedIp: meta.ip ?? null }) };
    }
    return { ok: true, user, token: info(record) };
  }

  /** One user's tokens, newest first. */
  async list(user: User): Promise<ApiTokenInfo[]> {
    return (await this.stores.apiTokens.listByUser(user.id)).map(info);
  }

  /** A token by id (for staff tools), or null. */
  async get(id: number): Promise<(ApiTokenInfo & { userId: number }) | null> {
    const record = await this.stores.apiTokens.get(id);
    return record ? { ...info(record), userId: record.userId } : null;
  }

  /**
   * Revokes token `id`. With `owner`, only that user's token (a user revoking their own: someone
   * else's id is "not found", never "forbidden", so ids cannot be probed); without, any token
   * (staff with the permission, the CLI). Throws `NotFoundError` when there is no such token.
   */
  async revoke(id: number, options: { owner?: User; actor?: string | null; ip?: string | null } = {}): Promise<void> {
    const record = await this.stores.apiTokens.get(id);
    if (!record || (options.owner && record.userId !== options.owner.id)) throw new NotFoundError('api_token', 'No such token.');
    if (!(await this.stores.apiTokens.delete(id, options.owner ? { userId: options.owner.id } : {}))) throw new NotFoundError('api_token', 'No such token.');
    const owner = options.owner ?? (await this.stores.users.getById(record.userId));
    await this.audit.record({
      actor: options.actor === undefined ? (options.owner?.username ?? null) : options.actor,
      action: 'token.revoked',
      target: owner?.username ?? null,
      ip: options.ip ?? null,
      data: { tokenId: id, name: record.name, prefix: record.prefix },
    });
  }

  /** Revokes every token of a user (password reset, "end everything"); returns how many. */
  async revokeAllForUser(user: User, options: { actor?: string | null; reason?: string; ip?: string | null } = {}): Promise<number> {
    const count = await this.stores.apiTokens.deleteByUser(user.id);
    if (count > 0) {
      await this.audit.record({
        actor: options.actor === undefined ? user.username : options.actor,
        action: 'token.revoked_all',
        target: user.username,
        ip: options.ip ?? null,
        data: { count, ...(options.reason ? { reason: options.reason } : {}) },
      });
    }
    return count;
  }
}

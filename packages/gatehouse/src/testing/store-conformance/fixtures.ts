/** Records and small helpers the store scenarios share. */
import { auditEntryHash } from '../../core/audit.js';
import type { AuditEvent, NewUserRecord, PermissionDefinition, SessionRecord } from '../../core/ports.js';

let counter = 0;

/** A name no other call in this process has returned. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}`;
}

/** A new user record with a unique username and a unique email (chosen apart); fields overridable. */
export function userRecord(overrides: Partial<NewUserRecord> = {}): NewUserRecord {
  return {
    username: uniqueName('user'),
    email: `${uniqueName('mail')}@example.com`,
    password: 'pbkdf2_sha256$1$salt$hash',
    firstName: '',
    lastName: '',
    isActive: true,
    isStaff: false,
    isSuperuser: false,
    dateJoined: 1_700_000_000_000,
    lastLogin: null,
    ...overrides,
  };
}

/** A session record with a unique id hash; anonymous unless `userId` is given. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    idHash: uniqueName('session').padEnd(64, '0'),
    userId: null,
    authEpoch: 0,
    createdAt: 1_000,
    lastSeenAt: 1_000,
    expiresAt: 100_000,
    data: {},
    ip: null,
    userAgent: null,
    ...overrides,
  };
}

/** An audit event; fields overridable. */
export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { at: 1_000, actor: 'alice', action: 'auth.login', target: 'alice', data: {}, ip: '192.0.2.1', ...overrides };
}

/** The seal `AuditLog` uses, for appends made on the store directly. */
export function sealFor(event: AuditEvent): (head: { seq: number; hash: string } | null) => { seq: number; prevHash: string; hash: string } {
  return (head) => {
    const seq = (head?.seq ?? 0) + 1;
    const prevHash = head?.hash ?? '';
    return { seq, prevHash, hash: auditEntryHash(prevHash, seq, event) };
  };
}

/** A few permissions to grant. */
export const PERMISSIONS: readonly PermissionDefinition[] = Object.freeze([
  { appLabel: 'billing', model: 'invoice', codename: 'view_invoice', name: 'Can view invoice' },
  { appLabel: 'billing', model: 'payout', codename: 'approve_payout', name: 'Can approve payouts' },
  { appLabel: 'shop', model: 'order', codename: 'view_all_orders', name: 'Can view all orders' },
  { appLabel: 'support', model: 'ticket', codename: 'view_ticket', name: 'Can view ticket' },
]);

/** What a promise rejected with; throws if it resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

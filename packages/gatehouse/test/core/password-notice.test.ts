/**
 * Issue 9 item 16, the password-changed notice from the core: `createGatehouse({ mailer })` sends
 * one plain-text mail per change to the account's address (never the password), nothing for an
 * account without an address, and a mailer that fails never fails or undoes the change.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createGatehouse } from '../../src/core/gatehouse.js';
import type { Mailer, OutgoingMail } from '../../src/core/ports.js';
import { ManualClock } from '../../src/core/clock.js';
import { MemoryMailer } from '../../src/mail/index.js';
import { createMemoryStores, fastHasherSettings } from '../../src/testing/index.js';

// The notice is logic, not storage: in-memory stores (held to the SQL ones by the store
// conformance suite) are enough, and no database is opened.
function setUp(mailer: Mailer) {
  const gatehouse = createGatehouse({
    stores: createMemoryStores(),
    mailer,
    clock: new ManualClock(Date.UTC(2026, 11, 6, 21, 30, 0)),
    config: { siteName: 'Acme Billing', secretKey: 'a-test-secret-key-of-enough-length-1234', passwordHasherSettings: fastHasherSettings },
  });
  return { gatehouse };
}

afterEach(() => vi.restoreAllMocks());

describe('password-changed notice', () => {
  it('mails the account once per change, with site, username, time and what to do; never the password', async () => {
    const mailer = new MemoryMailer();
    const { gatehouse } = setUp(mailer);
    const user = await gatehouse.accounts.createUser({ username: 'carol', email: 'carol@example.com', password: 'first-Tundra-Quokka-5841' });
    expect(mailer.outbox).toEqual([]); // creating an account is not a change
    await gatehouse.accounts.setPassword(user, 'Marigold-Zephyr-2290-Anvil', { reason: 'auth.password_change' });
    expect(mailer.outbox).toHaveLength(1);
    const [mail] = mailer.outbox;
    expect(mail!.to).toEqual(['carol@example.com']);
    expect(mail!.subject).toBe('Your password on Acme Billing was changed');
    expect(mail!.text).toContain('The password of your account "carol" on Acme Billing was changed with the password change form at 2026-12-06 21:30:00 UTC.');
    expect(mail!.text).toContain('If this was not you, reset your password');
    expect(mail!.text).toContain('contact support');
    expect(mail!.text).not.toContain('Marigold');
    expect(mail!.html).toBeUndefined();
  });

  it('sends nothing for an account without an email address', async () => {
    const mailer = new MemoryMailer();
    const { gatehouse } = setUp(mailer);
    const user = await gatehouse.accounts.createUser({ username: 'noaddress' });
    await gatehouse.accounts.setPassword(user, 'Marigold-Zephyr-2290-Anvil');
    expect(mailer.outbox).toEqual([]);
  });

  it('a failing mailer is reported, and the change stands', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failing: Mailer = {
      async send(_message: OutgoingMail): Promise<void> {
        throw new Error('SMTP is down');
      },
    };
    const { gatehouse } = setUp(failing);
    const user = await gatehouse.accounts.createUser({ username: 'dave', email: 'dave@example.com', password: 'first-Tundra-Quokka-5841' });
    await expect(gatehouse.accounts.setPassword(user, 'Marigold-Zephyr-2290-Anvil')).resolves.toMatchObject({ username: 'dave' });
    expect(await gatehouse.authenticate({ username: 'dave', password: 'Marigold-Zephyr-2290-Anvil' })).not.toBeNull();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(String(errors.mock.calls[0]![0])).toContain('password-changed notice');
    expect(JSON.stringify(errors.mock.calls)).not.toContain('Marigold');
  });

  it('the Fastify plugin’s mailer is adopted only when the core has none', async () => {
    const own = new MemoryMailer();
    const { gatehouse } = setUp(own);
    expect(gatehouse.accounts.adoptMailer(new MemoryMailer(), 'Other')).toBe(false);
    const user = await gatehouse.accounts.createUser({ username: 'erin', email: 'erin@example.com' });
    await gatehouse.accounts.setPassword(user, 'Marigold-Zephyr-2290-Anvil');
    expect(own.outbox).toHaveLength(1);
  });
});

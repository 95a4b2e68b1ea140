/** Issue 9 item 6 (config part): `passwordReset` limits have defaults and are checked. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { resolveConfig } from '../../src/core/config.js';

describe('config.passwordReset', () => {
  test('defaults, and partial overrides', () => {
    expect(resolveConfig().passwordReset).toEqual({ perEmail: 3, perAddress: 10, invalidLinksPerAddress: 20, window: 3600, maxQueuedMails: 1000 });
    expect(resolveConfig({ passwordReset: { perEmail: 1 } }).passwordReset.perEmail).toBe(1);
  });

  test.each([0, -1, 1.5, Number.NaN])('%s is refused with a coded error', (value) => {
    let error: unknown;
    try {
      resolveConfig({ passwordReset: { window: value } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('gatehouse.config.invalid_password_reset_limit');
  });
});

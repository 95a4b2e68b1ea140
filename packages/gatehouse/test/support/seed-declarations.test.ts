/**
 * The example declares the seed for itself (it is a consumer of the package); the suites declare it
 * once in seed-declarations.ts. This holds the two equal, so the tests exercise the app they claim to.
 * The example imports `gatehouse` by name, i.e. the built package: run `npm run build` first.
 */
import { describe, expect, it } from 'vitest';
import { permissionDefinitions } from '../../src/core/permissions.js';
import { seedApps, seedRoles } from './seed-declarations.js';

describe('the seed declarations', () => {
  it('are the example app’s own: the same permissions and the same roles', async () => {
    const example = await import('../../../../example/src/declarations.js');
    expect(permissionDefinitions(seedApps)).toEqual(permissionDefinitions(example.apps));
    expect(seedRoles).toEqual(example.roles);
  });
});

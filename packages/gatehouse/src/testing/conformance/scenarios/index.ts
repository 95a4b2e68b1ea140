/** Every scenario group of the suite, in the order they run. */
import type { ConformanceScenarioGroup } from '../world.js';
import { accessMatrixScenarios } from './access-matrix.js';
import { badInputScenarios } from './bad-input.js';
import { criticalScenarios } from './critical.js';
import { csrfScenarios } from './csrf.js';
import { headerScenarios } from './headers.js';
import { negotiationScenarios } from './negotiation.js';
import { openRedirectScenarios } from './open-redirect.js';
import { passwordChangeScenarios } from './password-change.js';
import { passwordResetScenarios } from './password-reset.js';
import { recentAuthScenarios } from './recent-auth.js';
import { sessionScenarios } from './sessions.js';
import { throttlingScenarios } from './throttling.js';

/**
 * The groups, in order. The recent-auth group moves the clock forward by ten minutes; the groups
 * after it log in afresh where they need a recent password check.
 */
export const CONFORMANCE_GROUPS: readonly ConformanceScenarioGroup[] = [
  accessMatrixScenarios,
  criticalScenarios,
  recentAuthScenarios,
  negotiationScenarios,
  sessionScenarios,
  csrfScenarios,
  passwordChangeScenarios,
  passwordResetScenarios,
  throttlingScenarios,
  openRedirectScenarios,
  badInputScenarios,
  headerScenarios,
];

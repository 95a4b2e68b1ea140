/** Every scenario group of the suite, in the order they run. */
import type { ConformanceScenarioGroup } from '../world.js';
import { accessMatrixScenarios } from './access-matrix.js';

/** The groups, in order. */
export const CONFORMANCE_GROUPS: readonly ConformanceScenarioGroup[] = [accessMatrixScenarios];

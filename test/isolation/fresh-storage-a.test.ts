import { describe } from 'vitest';
import { provesFreshStorage } from './fresh-storage';

// One of a pair (fresh-storage-a/-b): see provesFreshStorage.
describe('storage isolation between test files (a)', () => provesFreshStorage('a'));

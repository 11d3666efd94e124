import { describeLimiterConformance } from './limiter-conformance.js';
import { MemoryLimiter } from './memory-limiter.js';

describeLimiterConformance('memory', () => new MemoryLimiter());

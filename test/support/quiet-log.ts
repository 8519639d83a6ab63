// A logger for tests that provoke errors on purpose: silent unless HORIZON_LOG_LEVEL asks otherwise.
import { rootLogger } from '../../src/log.js';

export const quietLog = rootLogger.child({ component: 'test' }, { level: process.env.HORIZON_LOG_LEVEL ?? 'silent' });

// The compliance suite against a driver written straight from the contract:
// every clause can be met (none is skipped, none fails).
import { runComplianceSuite } from '../src/index.js'
import { memoryFixture } from './memory-driver.js'

runComplianceSuite({ name: 'reference in-memory driver', timeoutMs: 10_000, setup: memoryFixture() })

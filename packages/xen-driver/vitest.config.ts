import { defineConfig } from 'vitest/config'
import { xenosVitestConfig } from '../../vitest.shared.js'

// The xl test double runs one Node process per xl command: test files run
// one after another so they do not starve each other on a 2-core machine.
export default defineConfig(xenosVitestConfig({ test: { fileParallelism: false } }))

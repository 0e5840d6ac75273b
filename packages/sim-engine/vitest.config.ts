import { defineConfig } from 'vitest/config'
import { xenosVitestConfig } from '../../vitest.shared.js'

export default defineConfig(xenosVitestConfig())

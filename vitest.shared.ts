// Shared vitest settings for every package: siblings resolve to their
// TypeScript sources through the `@xenos/source` export condition.
// Tests run in vitest's server (SSR) environment, which reads
// `ssr.resolve.conditions`, not `resolve.conditions`: both carry it.
// Deadlines are generous: tests wait for conditions, and on a busy machine
// (another copy of the suite beside it) a condition can take many times
// longer than on a quiet one; a test that needs less says so itself.
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config'
import { defaultServerConditions } from 'vite'

export function xenosVitestConfig (overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(defineConfig({
    resolve: { conditions: ['@xenos/source'] },
    ssr: { resolve: { conditions: ['@xenos/source', ...defaultServerConditions] } },
    test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 180_000 }
  }), overrides)
}

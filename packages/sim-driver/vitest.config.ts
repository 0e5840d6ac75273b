import { defineConfig } from 'vitest/config'
import { defaultServerConditions } from 'vite'

// Tests run in vitest's server (SSR) environment, which reads `ssr.resolve.conditions`,
// not `resolve.conditions`: both carry `@xenos/source` so siblings resolve to their sources.
export default defineConfig({
  resolve: { conditions: ['@xenos/source'] },
  ssr: { resolve: { conditions: ['@xenos/source', ...defaultServerConditions] } },
  test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'], environment: 'node' }
})

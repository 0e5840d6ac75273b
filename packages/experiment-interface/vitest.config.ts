import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@xenos/source'] },
  test: { include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'], environment: 'node' }
})

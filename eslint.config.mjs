// Root ESLint config: typescript-eslint for every package, and the Nx module
// boundary rule that keeps the architecture honest (see ARCHITECTURE.md).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import nx from '@nx/eslint-plugin'
import globals from 'globals'
import stylistic from '@stylistic/eslint-plugin'
import xenos from './scripts/eslint/no-import-cycle.mjs'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/results/**', '**/.nx/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The one formatter of the tree (\`npm run lint -- --fix\` applies it): standard style, lines of at most 160 characters.
  stylistic.configs.customize({ indent: 2, quotes: 'single', semi: false, jsx: false, braceStyle: '1tbs', arrowParens: false, commaDangle: 'never' }),
  {
    rules: {
      '@stylistic/space-before-function-paren': ['error', 'always'],
      '@stylistic/max-len': ['error', { code: 160, tabWidth: 2 }],
      '@stylistic/max-statements-per-line': 'off',
      '@stylistic/list-style': 'off',
      '@stylistic/brace-style': ['error', '1tbs', { allowSingleLine: true }]
    }
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } }
  },
  {
    // No module of a package reaches itself through its imports, type-only ones included.
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { xenos },
    rules: { 'xenos/no-import-cycle': 'error' }
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // Contracts depend only on other contracts.
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
            // Small utilities (data-file validation) depend on nothing of ours; anyone but a contract may use them.
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: [] },
            // The compliance suite knows the contract and nothing else.
            { sourceTag: 'type:compliance', onlyDependOnLibsWithTags: ['type:contract'] },
            // The simulation engine knows no driver contract: its errors and its clock are its own.
            { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:util'] },
            // A driver implements the contract (the simulated one on the engine); it never sees another driver or xenos-core.
            { sourceTag: 'type:driver', onlyDependOnLibsWithTags: ['type:contract', 'type:compliance', 'type:util', 'type:engine'] },
            // The framework depends only on contracts: drivers are injected by the app.
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            // The generic deployer talks to coordinators through core's client only (see the import rule below).
            { sourceTag: 'type:deployer', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:core'] },
            // Benchmarks (Hadoop deployment and jobs) use the deployer, the framework and the simulation engine, never a driver.
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:core', 'type:engine', 'type:deployer'] },
            // The reporter reads result files; it knows only contracts.
            { sourceTag: 'type:reporter', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            // Apps wire everything together.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:contract', 'type:core', 'type:driver', 'type:engine', 'type:deployer', 'type:bench', 'type:reporter', 'type:compliance', 'type:app',
                'type:util'
              ]
            }
          ]
        }
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }]
    }
  },
  {
    // Tests and benchmarks of the framework (and the deployer's) run it on simulated hosts: they may
    // import a driver and the engine, which the framework's own sources never do.
    files: ['**/*.spec.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [
            { sourceTag: 'type:contract', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:compliance', onlyDependOnLibsWithTags: ['type:contract'] },
            { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:driver', onlyDependOnLibsWithTags: ['type:contract', 'type:compliance', 'type:util', 'type:engine'] },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:driver', 'type:engine'] },
            { sourceTag: 'type:deployer', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:core'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:contract', 'type:util', 'type:core', 'type:driver', 'type:engine', 'type:deployer'] },
            { sourceTag: 'type:reporter', onlyDependOnLibsWithTags: ['type:contract', 'type:util'] },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:contract', 'type:core', 'type:driver', 'type:engine', 'type:deployer', 'type:bench', 'type:reporter', 'type:compliance', 'type:app',
                'type:util'
              ]
            }
          ]
        }
      ]
    }
  },
  {
    // The deployer needs of core only its client (and the query language it carries), never a coordinator.
    files: ['packages/deployer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@xenos/core', message: 'the deployer talks to coordinators through @xenos/core/client only' }]
      }]
    }
  },
  {
    // Tool configs share the root vitest settings by relative import.
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' }
  }
)

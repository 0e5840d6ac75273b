/**
 * @packageDocumentation
 * Data files (YAML, or JSON which YAML reads too) validated with a zod
 * schema, every problem reported as a `ConfigError` naming the file, the
 * line and column, the field, what was expected and what was found. Used by
 * every file Xenos reads: host and service files, platforms, cost files,
 * inventories, deployment files.
 *
 * @example
 * ```ts
 * import { z } from 'zod'
 * import { parseYamlFile, ConfigFileError } from '@xenos/config-file'
 *
 * const schema = z.strictObject({ hosts: z.number().int().min(1) })
 * try {
 *   parseYamlFile(schema, 'hosts: 0\n', 'cluster.yaml')
 * } catch (err) {
 *   // cluster.yaml: 1 error(s):
 *   //   cluster.yaml:1:8: hosts: expected a number >= 1, found number 0
 *   if (err instanceof ConfigFileError) console.error(err.message)
 * }
 * ```
 */
export { ConfigFileBaseError, ConfigError, ConfigFileError, describeFound, formatPath } from './config-error.js'
export { validateYaml, validateData, position, MAX_CONFIG_BYTES, type Validated } from './yaml-validate.js'
export { parseYamlFile, parseData } from './parse-yaml-file.js'
export { estimateSchema, estimatesSchema, readEstimates, withValueAt, type Estimate, type Estimates, type EstimatedInput } from './estimates.js'
export { unsourcedNumbers, type UnsourcedNumber } from './unsourced-numbers.js'

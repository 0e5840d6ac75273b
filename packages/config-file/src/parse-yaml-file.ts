import type { z } from 'zod'
import { ConfigFileError } from './config-error.js'
import { validateYaml } from './yaml-validate.js'

/**
 * Parses and validates `text` (read from `file`); returns the value or
 * throws a `ConfigFileError` listing every problem, in file order.
 */
export function parseYamlFile<S extends z.ZodType> (schema: S, text: string, file: string): z.output<S> {
  const r = validateYaml(schema, text, file)
  if (!r.ok) throw new ConfigFileError(file, r.errors)
  return r.value
}

import type { z } from 'zod'
import { ConfigFileError } from './config-error.js'
import { validateData, validateYaml } from './yaml-validate.js'

/**
 * Parses and validates `text` (read from `file`); returns the value or
 * throws a `ConfigFileError` listing every problem, in file order.
 */
export function parseYamlFile<S extends z.ZodType> (schema: S, text: string, file: string): z.output<S> {
  const r = validateYaml(schema, text, file)
  if (!r.ok) throw new ConfigFileError(file, r.errors)
  return r.value
}

/** Validates data built in code (not read from a file); throws a `ConfigFileError` naming `source`. */
export function parseData<S extends z.ZodType> (schema: S, data: unknown, source: string): z.output<S> {
  const r = validateData(schema, data, source)
  if (!r.ok) throw new ConfigFileError(source, r.errors)
  return r.value
}

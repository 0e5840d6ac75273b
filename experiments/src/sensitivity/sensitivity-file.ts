/**
 * `sensitivity.json`: an analysis beside the results it was computed from,
 * with what identifies them (the platform file's hash and a hash of the base
 * runs), so a report includes it only for those very results: a report of
 * other runs (another platform, other code, other costs) says the analysis
 * was not computed for it instead of showing a stale one.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { DocumentValidationError, parseJson, validateSensitivityAnalysis, type RunRecord, type SensitivityAnalysis } from '@xenos/experiment-interface'

export const SENSITIVITY_FILE = 'sensitivity.json'

/** What an analysis was computed from. */
export interface SensitivityIdentity {
  /** SHA-256 of the platform file. */
  platformSha256: string
  /** SHA-256 of the base runs on the model's clock (`baseRunsSha256`). */
  baseRunsSha256: string
}

/** The hash of a result set's runs on the testbed's clock, in their order: the same seeds, inputs and code give the same hash. */
export function baseRunsSha256 (runs: readonly RunRecord[]): string {
  return createHash('sha256').update(JSON.stringify(runs.filter(r => r.clock !== 'wall'))).digest('hex')
}

const fileSchema = z.strictObject({
  platformSha256: z.string().regex(/^[0-9a-f]{64}$/),
  baseRunsSha256: z.string().regex(/^[0-9a-f]{64}$/),
  analysis: z.unknown()
})

/** Writes `sensitivity.json` in `outDir` atomically; returns its path. */
export async function writeSensitivity (outDir: string, identity: SensitivityIdentity, analysis: SensitivityAnalysis): Promise<string> {
  await mkdir(outDir, { recursive: true })
  const path = join(outDir, SENSITIVITY_FILE)
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, `${JSON.stringify({ ...identity, analysis }, null, 2)}\n`)
  await rename(tmp, path)
  return path
}

/**
 * The analysis in `outDir`'s `sensitivity.json` when it was computed from
 * `identity`; undefined when there is none or it belongs to other results.
 * A file that is not an analysis is an error (`DocumentValidationError`).
 */
export async function readSensitivity (outDir: string, identity: SensitivityIdentity): Promise<SensitivityAnalysis | undefined> {
  const path = join(outDir, SENSITIVITY_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const parsed = fileSchema.safeParse(parseJson(text, path))
  if (!parsed.success) {
    const issues = parsed.error.issues.map(i => ({ field: i.path.join('.') || '(root)', message: i.message }))
    throw new DocumentValidationError('a sensitivity file (platformSha256, baseRunsSha256, analysis)', path, issues)
  }
  if (parsed.data.platformSha256 !== identity.platformSha256 || parsed.data.baseRunsSha256 !== identity.baseRunsSha256) return undefined
  return validateSensitivityAnalysis(parsed.data.analysis, path)
}

/**
 * Reads the reporter's inputs from disk, validated at the boundary: a result
 * file, and optional figure-spec and finding files (JSON arrays).
 */
import { readFile } from 'node:fs/promises'
import {
  parseJson, parseResultSetJson, validateFigureSpecs, validateFindingResults,
  type FigureSpec, type FindingResult, type ResultSet
} from '@xenos/experiment-interface'
import { InputFileError } from './errors.js'

async function readText (path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw new InputFileError(path, e.code === 'ENOENT' ? 'no such file' : (e.code ?? e.message), { cause: err })
  }
}

/** @throws {InputFileError}, `JsonParseError` or `ResultSetValidationError` (naming the path and field) */
export async function readResultSetFile (path: string): Promise<ResultSet> {
  return parseResultSetJson(await readText(path), path)
}

export async function readFigureSpecsFile (path: string): Promise<FigureSpec[]> {
  return validateFigureSpecs(parseJson(await readText(path), path), path)
}

export async function readFindingsFile (path: string): Promise<FindingResult[]> {
  return validateFindingResults(parseJson(await readText(path), path), path)
}

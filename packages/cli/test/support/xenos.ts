/**
 * TEST ONLY: the `xenos` command run from its TypeScript sources, for tests
 * that start it as a child process (`node --conditions=@xenos/source
 * --experimental-transform-types --import <ts-register.mjs> xenos.ts ARGS`).
 */
import { main } from '../../src/main.js'

process.exitCode = await main(process.argv)

// TEST ONLY: lets plain Node (22, with --experimental-transform-types) run the
// TypeScript sources of a child process: `./x.js` imports resolve to `./x.ts`.
export async function resolve (specifier, context, next) {
  try {
    return await next(specifier, context)
  } catch (err) {
    if ((specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) && specifier.endsWith('.js')) {
      return await next(`${specifier.slice(0, -3)}.ts`, context)
    }
    throw err
  }
}

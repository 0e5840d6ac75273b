/**
 * The platform files shipped with the engine (`platforms/`), found relative
 * to this module both from `src/` and from the built `dist/`.
 */
import { fileURLToPath } from 'node:url'

/** Folder of the shipped platform files. */
export const SHIPPED_PLATFORMS_DIR = fileURLToPath(new URL('../../platforms/', import.meta.url))

/** The paper's thirteen-host cluster (`platforms/paper-2010.yaml`). */
export const PAPER_PLATFORM_FILE = fileURLToPath(new URL('../../platforms/paper-2010.yaml', import.meta.url))

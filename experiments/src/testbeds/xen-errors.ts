/**
 * Typed errors of the real-hardware testbed (`--backend xen`). Each message
 * says what was expected and what was found.
 */

import { TestbedError } from '../errors.js'

/** Something the xen testbed was asked to do that the lab or its answers do not allow. */
export class XenTestbedError extends TestbedError {}

/** A cluster setup the testbed file does not describe (no templates, no inventory). */
export class SetupNotConfiguredError extends XenTestbedError {
  constructor (readonly setup: string, readonly file: string, readonly section: 'setups' | 'native') {
    const what = section === 'setups' ? 'the master and slave templates' : 'an inventory file of natively booted hosts'
    super(`setup ${setup}: expected ${section}.${setup} in the testbed file ${file} (${what}), found none`)
  }
}

/** The API token named by the testbed file is not there. */
export class MissingTokenError extends XenTestbedError {
  constructor (readonly where: string, found: string) {
    super(`expected the Xenos API token in ${where}, found ${found}`)
  }
}

/**
 * The drivers the `xenos` command can run a coordinator on, by the kind a
 * host file names: a host of a simulated cluster (`sim`) and real Xen
 * through `xl` (`xen`). Each driver package brings its own options and says
 * which image store it uses.
 */
import { driverRegistry, type DriverRegistry } from '@xenos/core'
import { simDriverPlugin } from '@xenos/sim-driver'
import { xenDriverPlugin } from '@xenos/xen-driver'

export const DRIVERS: DriverRegistry = driverRegistry([simDriverPlugin, xenDriverPlugin])

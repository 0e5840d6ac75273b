/** One line of text per deployer progress event, for a terminal or a log. */
import type { DeployProgress } from './deployer.js'

export function formatProgress (e: DeployProgress): string {
  switch (e.kind) {
    case 'planned': return `deployment ${e.deployment}: ${e.instances} instance(s) on ${e.hosts.length} host(s), ${e.existing} already there`
    case 'replicated': return `template replicated to ${e.host}`
    case 'created': return `created ${e.name} (${e.serviceId}) on ${e.host}`
    case 'running': return `[${e.done}/${e.total}] ${e.serviceId} on ${e.host} slot ${e.slot} ${e.started ? 'started, running' : 'already running'}`
    case 'surplus': return `surplus: ${e.name} (${e.serviceId}) on ${e.host} is no longer wanted (left alone; teardown removes it)`
    case 'destroyed': return `[${e.done}/${e.total}] destroyed ${e.serviceId} on ${e.host}`
  }
}

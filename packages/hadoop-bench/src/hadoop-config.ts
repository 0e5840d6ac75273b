/**
 * The only part of the deployer that knows Hadoop: the master and slave
 * lists and the `*-site.xml` files, with the paper's settings (HDFS
 * replication 2, 2 map and 2 reduce slots per TaskTracker), for Hadoop 1.x
 * (0.20 property names, JobTracker) and Hadoop 2/3 (YARN).
 */
import type { HadoopSettings } from './setups.js'
import { LayoutError } from './errors.js'

export type HadoopLine = '1' | '2+'

export interface HadoopClusterLayout {
  /** Host name of the master (NameNode and JobTracker / ResourceManager). */
  master: string
  /** Host names of the slaves (DataNode and TaskTracker / NodeManager). */
  slaves: string[]
  /** NameNode RPC port. @default 9000 */
  nameNodePort?: number
  /** JobTracker RPC port (Hadoop 1). @default 9001 */
  jobTrackerPort?: number
}

export interface HadoopConfigFiles {
  'masters': string
  'slaves': string
  'core-site.xml': string
  'hdfs-site.xml': string
  'mapred-site.xml': string
  'yarn-site.xml'?: string
}

function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** A Hadoop `configuration` document from name/value pairs, in order. */
export function siteXml (properties: ReadonlyArray<readonly [string, string | number]>): string {
  const body = properties.map(([name, value]) =>
    `  <property>\n    <name>${escapeXml(name)}</name>\n    <value>${escapeXml(String(value))}</value>\n  </property>\n`).join('')
  return `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<configuration>\n${body}</configuration>\n`
}

const HOST_RE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/

/** A `LayoutError` of a host name that cannot go into Hadoop's configuration files. */
export class InvalidLayoutError extends LayoutError {
  constructor (field: string, found: unknown) {
    super(field, 'a host name', JSON.stringify(found))
  }
}

/** The configuration files for a cluster of `layout` with `settings`. */
export function hadoopConfig (layout: HadoopClusterLayout, settings: HadoopSettings, line: HadoopLine = '1'): HadoopConfigFiles {
  if (!HOST_RE.test(layout.master)) throw new InvalidLayoutError('master', layout.master)
  layout.slaves.forEach((s, i) => { if (!HOST_RE.test(s)) throw new InvalidLayoutError(`slaves[${i}]`, s) })
  const nn = `hdfs://${layout.master}:${layout.nameNodePort ?? 9000}`
  const lists = { masters: `${layout.master}\n`, slaves: layout.slaves.map(s => `${s}\n`).join('') }
  if (line === '1') {
    return {
      ...lists,
      'core-site.xml': siteXml([['fs.default.name', nn]]),
      'hdfs-site.xml': siteXml([['dfs.replication', settings.replication], ['dfs.block.size', settings.blockSizeBytes]]),
      'mapred-site.xml': siteXml([
        ['mapred.job.tracker', `${layout.master}:${layout.jobTrackerPort ?? 9001}`],
        ['mapred.tasktracker.map.tasks.maximum', settings.mapSlotsPerNode],
        ['mapred.tasktracker.reduce.tasks.maximum', settings.reduceSlotsPerNode],
        // Hadoop 0.20's defaults, written out so the real cluster and the model agree on every task's memory.
        ['mapred.child.java.opts', `-Xmx${settings.childHeapMiB}m`],
        ['io.sort.mb', settings.ioSortMiB],
        ['mapred.job.shuffle.input.buffer.percent', settings.shuffleInputBufferPercent]
      ])
    }
  }
  // Hadoop 2/3 have no slots: two map and two reduce containers per node are
  // approximated by giving each NodeManager room for four 1-vcore containers.
  const containers = settings.mapSlotsPerNode + settings.reduceSlotsPerNode
  return {
    ...lists,
    'core-site.xml': siteXml([['fs.defaultFS', nn]]),
    'hdfs-site.xml': siteXml([['dfs.replication', settings.replication], ['dfs.blocksize', settings.blockSizeBytes]]),
    'mapred-site.xml': siteXml([
      ['mapreduce.framework.name', 'yarn'], ['mapreduce.map.cpu.vcores', 1], ['mapreduce.reduce.cpu.vcores', 1],
      ['mapreduce.map.java.opts', `-Xmx${settings.childHeapMiB}m`], ['mapreduce.reduce.java.opts', `-Xmx${settings.childHeapMiB}m`],
      ['mapreduce.task.io.sort.mb', settings.ioSortMiB], ['mapreduce.reduce.shuffle.input.buffer.percent', settings.shuffleInputBufferPercent]
    ]),
    'yarn-site.xml': siteXml([
      ['yarn.resourcemanager.hostname', layout.master],
      ['yarn.nodemanager.aux-services', 'mapreduce_shuffle'],
      ['yarn.nodemanager.resource.cpu-vcores', containers]
    ])
  }
}

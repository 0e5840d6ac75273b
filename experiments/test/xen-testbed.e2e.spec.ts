/**
 * The xen testbed end to end, without hardware: real coordinators on
 * loopback over xen-driver and the `xl` test double, Hadoop through a fake
 * `ssh` and a fake `bin/hadoop` printing recorded Hadoop 0.20 transcripts
 * (`xen-lab.ts`). An experiment built from the definitions' own `runGrid`
 * runs PiEstimator on PHY and VM1 with 2 slave hosts through the runner and
 * the results writer; then a Wordcount with the master migrated mid-job,
 * and the template deployment with both methods.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { onTestbed, parseResultSetJson, type ExperimentDefinition } from '@xenos/experiment-interface'
import { xenosClient, type ServiceSearchRecord } from '@xenos/core'
import type { DeployProgress } from '@xenos/deployer'
import { runGrid } from '../src/definitions/hadoop-grid.js'
import { runWithMasterMigration } from '../src/definitions/master-migration.js'
import { runExperiments } from '../src/runner.js'
import { writeResultsAndReport } from '../src/write-results.js'
import { xenTestbedFactory } from '../src/testbeds/xen-testbed.js'
import { TemplateAlreadyPresentError } from '../src/testbeds/xen-deploy-template.js'
import { SetupNotConfiguredError } from '../src/testbeds/xen-errors.js'
import { startXenLab, TOKEN, type XenLab } from './xen-lab.js'

let lab: XenLab

beforeAll(async () => { lab = await startXenLab(2) })
afterAll(async () => { await lab?.stop() })

const PI = { maps: 120, samplesPerMap: 10000 }
const smallPi: ExperimentDefinition = {
  name: 'pi',
  title: 'PiEstimator 120 x 10,000 on PHY and VM1, 2 slave hosts',
  figure: 'fig8',
  parameters: { ...PI, slaveHosts: 2, setups: 'PHY,VM1' },
  run: async (testbed, context) => await runGrid('pi', ['PHY', 'VM1'].map(setup => ({
    setup, slaveHosts: 2, jobs: [{ job: { kind: 'pi' as const, ...PI }, params: { ...PI } }]
  })), testbed, context)
}

async function services (query: string): Promise<ServiceSearchRecord[]> {
  const client = xenosClient({ endpoints: [lab.hosts.get('node00')!.apiUrl], credentials: { scheme: 'bearer', token: TOKEN } })
  try {
    const r = await client.searchServices(query, { deadlineMs: 10_000 })
    expect(r.nonResponders).toEqual([]) // every host answered: an empty answer means none there
    return r.results
  } finally {
    client.close()
  }
}

describe('the xen testbed on a lab of coordinators over the xl double', () => {
  it('runs an experiment on PHY and VM1 through the runner and the writer:'
    + ' wall-clock durations, counters from the transcripts, VMs deployed through the API', async () => {
    const factory = await xenTestbedFactory({ testbedFile: lab.testbedFile })
    const out = join(lab.root, 'results')
    const resultSet = await runExperiments([smallPi], {
      backend: 'xen', factory, seed: 1, repetitions: 1, startedAt: new Date().toISOString(),
      platform: { name: 'e2e-lab', file: lab.testbedFile, sha256: '0'.repeat(64) },
      software: { name: '@xenos/experiments', version: '0.1.0' }
    })
    expect(resultSet.runs.map(r => [r.setup, r.metric])).toEqual([['PHY', 'durationS'], ['VM1', 'durationS']])
    for (const r of resultSet.runs) {
      expect(r.value).toBeGreaterThan(0)
      expect(r.value).toBeLessThan(30) // wall clock of the fake job, not the transcript's 72 s
      expect(r.extra).toMatchObject({ mapsLaunched: 120, dataLocalMaps: 118, hdfsBytesRead: 14160, shuffleBytes: 3360, nodes: 2 })
    }
    const { resultsFile } = await writeResultsAndReport(out, resultSet)
    const written = parseResultSetJson(await readFile(resultsFile, 'utf8'), resultsFile)
    expect(written.backend).toBe('xen')
    expect(written.runs).toHaveLength(2)

    // PHY: the inventory's hosts; VM1: the slave VMs the deployer made, one per slave host, named in the slaves file
    const starts = (await readdir(join(lab.hadoopHome, 'starts'))).sort()
    expect(starts).toEqual(['0', '1'])
    expect(await readFile(join(lab.hadoopHome, 'starts', '0', 'slaves'), 'utf8')).toBe('phy01\nphy02\n')
    expect(await readFile(join(lab.hadoopHome, 'starts', '0', 'masters'), 'utf8')).toBe('phy00\n')
    const vmSlaves = (await readFile(join(lab.hadoopHome, 'starts', '1', 'slaves'), 'utf8')).trim().split('\n')
    expect(vmSlaves).toEqual(['hadoop-vm1-node01-0', 'hadoop-vm1-node02-0'])
    expect(await readFile(join(lab.hadoopHome, 'starts', '1', 'hdfs-site.xml'), 'utf8')).toContain('<name>dfs.replication</name>\n    <value>2</value>')
    expect(await readFile(join(lab.hadoopHome, 'starts', '1', 'mapred-site.xml'), 'utf8')).toContain('<value>hadoop-master-node00-0:9001</value>')
    const sshTargets = (await readFile(join(lab.root, 'ssh-targets.log'), 'utf8')).trim().split('\n')
    expect(new Set(sshTargets)).toEqual(new Set(['hadoop@phy00', 'hadoop@hadoop-master-node00-0']))
    // released: Hadoop stopped twice, every deployed service destroyed
    expect((await readFile(join(lab.hadoopHome, 'stops.log'), 'utf8')).trim().split('\n')).toHaveLength(2)
    expect(await services('attributes.role=hadoop-slave')).toEqual([])
  })

  it('deploys VM2 through the API (services running on the hosts) and migrates the master mid-job', async () => {
    const events: DeployProgress[] = []
    const testbed = await (await xenTestbedFactory({ testbedFile: lab.testbedFile, onDeployProgress: (e) => { events.push(e) } }))({ seed: 1 })
    try {
      const cluster = await testbed.deployHadoop('VM2', 2)
      expect(cluster.nodes).toBe(4)
      expect(events.filter(e => e.kind === 'planned').map(e => e.kind === 'planned' ? [e.deployment, e.instances] : []))
        .toEqual([['hadoop-master', 1], ['hadoop-vm2', 4]])
      expect(events.filter(e => e.kind === 'running')).toHaveLength(5)
      const running = await services('attributes.deployment=hadoop-vm2')
      expect(running.map(s => [s.host, s.state]).sort()).toEqual([['node01', 'running'], ['node01', 'running'], ['node02', 'running'], ['node02', 'running']])
      const [master] = await services('attributes.role=hadoop-master')
      expect(master).toMatchObject({ host: 'node00', state: 'running' })
      const job = { kind: 'wordcount' as const, inputBytes: 4000 }
      const { writeFile } = await import('node:fs/promises')
      await writeFile(join(lab.hadoopHome, 'job-seconds'), '1.5')
      if (cluster.master === undefined) throw new Error('expected the master as a Xenos service, found none')
      const { job: r, migration } = await runWithMasterMigration(testbed.clock, cluster, cluster.master, job, 0.3)
      expect(r.durationS).toBeGreaterThan(1.4)
      expect(r.counters).toMatchObject({ mapsLaunched: 17, reducesLaunched: 22, dataLocalMaps: 15 })
      expect(migration?.result).toMatchObject({ committed: true, fromHost: 'node00' })
      expect(migration?.result.toHost).not.toBe('node00')
      // on real hosts the control plane's time is not told apart from the transfer's
      expect(migration?.result.controlPlane).toBeUndefined()
      expect(migration?.startS).toBeGreaterThanOrEqual(0.3)
      const [moved] = await services('attributes.role=hadoop-master')
      expect(moved?.id).toBe(master?.id)
      expect(moved?.host).not.toBe('node00')
      expect(moved?.state).toBe('running')
      await cluster.release()
      expect(await services('attributes.role=hadoop-master')).toEqual([])
      await expect(testbed.deployHadoop('VM4', 2)).rejects.toThrow(SetupNotConfiguredError)
    } finally {
      await testbed.close()
    }
  })

  it('deploys a template to the slave hosts with the paper\'s whole copy and with chunked replication', async () => {
    const testbed = await (await xenTestbedFactory({ testbedFile: lab.testbedFile }))({ seed: 1 })
    try {
      const paper = await testbed.deployTemplate!('paper', 2)
      const chunked = await testbed.deployTemplate!('xenos', 2, { concurrency: 2 })
      const MiB = 1024 * 1024
      expect(paper).toMatchObject({ method: 'paper', hosts: 2, networkBytes: onTestbed(2 * MiB, 'B'), localCopyBytes: onTestbed(2 * MiB, 'B') })
      expect(chunked).toMatchObject({ method: 'xenos', hosts: 2, networkBytes: onTestbed(2 * MiB, 'B'), localCopyBytes: onTestbed(0, 'B') })
      for (const d of [paper, chunked]) {
        expect(d.duration.value).toBeGreaterThan(0)
        expect(d.replicateRate?.value).toBeGreaterThan(0)
        expect(d.probe.calls).toEqual({ value: 6, unit: 'calls', clock: 'wall' })
        expect(d.physicalLimit.value).toBeGreaterThan(0)
      }
      expect(await services('attributes.role=deploy-test')).toEqual([])
      // a second run takes the next template name; with none left it is refused, not reported as a fast deployment
      expect(await testbed.deployTemplate!('paper', 1)).toMatchObject({ hosts: 1, networkBytes: onTestbed(MiB, 'B') })
      await expect(testbed.deployTemplate!('paper', 1)).rejects.toThrow(TemplateAlreadyPresentError)
      await expect(testbed.deployTemplate!('paper', 1, { concurrency: 0 })).rejects.toThrow(/expected a concurrency >= 1, found 0/)
      await expect(testbed.deployTemplate!('xenos', 1))
        .rejects.toThrow(/expected a template of deploy-xenos that no target host holds, found each already on some of node01/)
    } finally {
      await testbed.close()
    }
  })
})

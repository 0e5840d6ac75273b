import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { manualClock } from '@xenos/hypervisor-interface'
import { Deployer, DeploymentPlanError } from '@xenos/deployer'
import { FakeDeployApi } from '@xenos/deployer/testing'
import { hadoopConfigFor, hadoopDeployment, hadoopLayouts, hadoopMasterDeployment, hadoopSettingsOf, writeHadoopConfig } from '../src/hadoop-deployment.js'
import { SETUPS } from '../src/setups.js'

const HOSTS = Array.from({ length: 13 }, (_, i) => `node${String(i).padStart(2, '0')}`)
const init = { template: 'hadoop-slave', hostCount: 12, masterHost: 'node00', masterHostname: 'hadoop-master' }

async function deployed (setupId: 'VM1' | 'VM4' | 'VM2-HDFSHOST') {
  const clock = manualClock()
  const api = new FakeDeployApi(clock, HOSTS, { 'hadoop-slave': ['node00'] })
  const spec = hadoopDeployment(SETUPS[setupId], init)
  const result = await new Deployer({ api, clock }).deploy(spec)
  return { spec, result, api }
}

describe('the Hadoop part of the deployer', () => {
  it('a setup becomes a deployment: vmsPerHost instances per host, master host excluded, Hadoop settings attached', () => {
    const spec = hadoopDeployment(SETUPS.VM4, init)
    expect(spec).toMatchObject({ deployment: 'hadoop-vm4', instancesPerHost: 4, hosts: { count: 12, exclude: ['node00'] }, groups: ['hadoop'] })
    expect(hadoopSettingsOf(spec)).toEqual({ setup: 'VM4', line: '1', master: 'hadoop-master', hdfs: 'node' })
  })

  it('native setups are not deployed (they run from an inventory)', () => {
    expect(() => hadoopDeployment(SETUPS.PHY, init)).toThrow(DeploymentPlanError)
  })

  it('VM4: 48 slaves in the slaves file, in host then slot order, with the paper settings', async () => {
    const { spec, result } = await deployed('VM4')
    const files = hadoopConfigFor(result, spec)
    const slaves = files.slaves.trim().split('\n')
    expect(slaves).toHaveLength(48)
    expect(slaves.slice(0, 5)).toEqual(['hadoop-vm4-node01-0', 'hadoop-vm4-node01-1', 'hadoop-vm4-node01-2', 'hadoop-vm4-node01-3', 'hadoop-vm4-node02-0'])
    expect(files.masters).toBe('hadoop-master\n')
    expect(files['hdfs-site.xml']).toContain('<name>dfs.replication</name>\n    <value>2</value>')
    expect(files['mapred-site.xml']).toContain('<name>mapred.tasktracker.map.tasks.maximum</name>\n    <value>2</value>')
    expect(files['hdfs-slaves']).toBeUndefined()
  })

  it('compute-only VMs over native HDFS: DataNodes are the hosts, TaskTrackers the VMs', async () => {
    const { spec, result } = await deployed('VM2-HDFSHOST')
    const layouts = hadoopLayouts(result, hadoopSettingsOf(spec))
    expect(layouts.mapreduce.slaves).toHaveLength(24)
    expect(layouts.hdfs.slaves).toEqual(HOSTS.slice(1))
    expect(hadoopConfigFor(result, spec)['hdfs-slaves']).toBe(`${HOSTS.slice(1).join('\n')}\n`)
  })

  it('writes the files into a directory', async () => {
    const { spec, result } = await deployed('VM1')
    const dir = await mkdtemp(join(tmpdir(), 'xenos-conf-'))
    try {
      const written = await writeHadoopConfig(join(dir, 'conf'), hadoopConfigFor(result, spec))
      expect(written.map(p => p.slice(dir.length + 6)).sort()).toEqual(['core-site.xml', 'hdfs-site.xml', 'mapred-site.xml', 'masters', 'slaves'])
      expect((await readFile(join(dir, 'conf', 'slaves'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(12)
      await expect(writeHadoopConfig(dir, { '../evil': 'x' })).rejects.toThrow(/plain file name/)
    } finally { await rm(dir, { recursive: true, force: true }) }
  })

  it('the master first (one instance on the master host, found by search), then slaves naming it', async () => {
    const clock = manualClock()
    const api = new FakeDeployApi(clock, HOSTS, { 'hadoop-master': ['node00'], 'hadoop-slave': ['node00'] })
    const deployer = new Deployer({ api, clock })
    const master = await deployer.deploy(hadoopMasterDeployment({ template: 'hadoop-master', masterHost: 'node00' }))
    expect(master.instances).toHaveLength(1)
    expect(master.instances[0]).toMatchObject({ host: 'node00', guestHostname: 'hadoop-master-node00-0' })
    const spec = hadoopDeployment(SETUPS.VM1, { ...init, masterHostname: master.instances[0]!.guestHostname })
    const slaves = await deployer.deploy(spec)
    expect(hadoopConfigFor(slaves, spec)['core-site.xml']).toContain('hdfs://hadoop-master-node00-0:9000')
    // the two deployments are independent: tearing the slaves down leaves the master
    await deployer.teardown(spec.deployment)
    expect([...api.services.values()].map(s => s.name)).toEqual(['hadoop-master-node00-0'])
  })

  it('bad Hadoop settings in a deployment are named', () => {
    const spec = { ...hadoopDeployment(SETUPS.VM1, init), settings: { hadoop: { setup: 'VM1', line: '3', master: 'm' } } }
    expect(() => hadoopSettingsOf(spec)).toThrow(/settings.hadoop.line/)
  })
})

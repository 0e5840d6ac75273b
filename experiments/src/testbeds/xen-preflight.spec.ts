import { describe, expect, it } from 'vitest'
import { EXPERIMENTS, experimentByName } from '../definitions/index.js'
import { parseXenTestbedFile } from './xen-testbed-file.js'
import { checkTestbedFor, preflightProblems, TestbedPreflightError } from './xen-preflight.js'

const hosts = Array.from({ length: 12 }, (_, i) => `node${String(i + 1).padStart(2, '0')}`)
const BASE = `name: lab
api: { endpoints: [https://node00:7001/RPC2] }
masterHost: node00
slaveHosts: [${hosts.join(', ')}]
hadoop: { home: /opt/hadoop, line: "1", start: [/opt/start] }
`
const ALL = `${BASE}setups:
${['VM1', 'VM2', 'VM4', 'VM1-2VCPU', 'VM2-HDFSHOST', 'VM4-HDFSHOST'].map(s => `  ${s}: { master: m, slaves: s }`).join('\n')}
native: { PHY: phy.yaml, PHY-1CORE: phy1.yaml }
deploy: { templates: { paper: [p1, p2, p3], xenos: [x1, x2, x3] }, nicBps: 1, diskReadBps: 1, diskWriteBps: 1 }
`

describe('the xen testbed preflight', () => {
  it('passes a file that describes every setup, the 12 hosts and a deploy template per repetition', () => {
    expect(preflightProblems(parseXenTestbedFile(ALL, 'lab.yaml'), EXPERIMENTS, 3)).toEqual([])
  })

  it('lists everything a file lacks, per experiment, before the lab is touched', () => {
    const file = parseXenTestbedFile(`${BASE.replace(hosts.join(', '), 'node01, node02')}setups:\n  VM1: { master: m, slaves: s }\n`, 'lab.yaml')
    const problems = preflightProblems(file, [experimentByName('pi'), experimentByName('master-migration'), experimentByName('deploy')], 1)
    expect(problems).toContain('pi: native.PHY (an inventory file) is missing')
    expect(problems).toContain('pi: setups.VM1-2VCPU (master and slave templates) is missing')
    expect(problems).toContain('pi: 12 slave hosts wanted, slaveHosts lists 2')
    expect(problems).not.toContain('master-migration: setups.VM1 (master and slave templates) is missing')
    expect(problems).toContain('deploy: the deploy section (templates, nicBps, diskReadBps, diskWriteBps) is missing')
    expect(() => { checkTestbedFor(file, 'lab.yaml', [experimentByName('pi')], 1) }).toThrow(TestbedPreflightError)
  })

  it('asks for one deploy template name per repetition and method', () => {
    const file = parseXenTestbedFile(ALL, 'lab.yaml')
    expect(preflightProblems(file, [experimentByName('deploy')], 4)).toEqual([
      'deploy: deploy.templates.paper names 3 template(s) for 4 repetition(s) (a replicated template cannot be removed through the API)',
      'deploy: deploy.templates.xenos names 3 template(s) for 4 repetition(s) (a replicated template cannot be removed through the API)'
    ])
  })
})

import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ConfigFileError } from '@xenos/config-file'
import { loadInventory } from '@xenos/hadoop-bench'
import { hadoopConfDir, loadXenTestbedFile, parseXenTestbedFile } from './xen-testbed-file.js'
import { testbedCredentials, testbedTls } from './xen-testbed.js'
import { MissingTokenError } from './xen-errors.js'

const EXAMPLE = fileURLToPath(new URL('../../../examples/testbeds/lab.yaml', import.meta.url))

const MINIMAL = `name: lab
api: { endpoints: [https://node00:7001/RPC2] }
masterHost: node00
slaveHosts: [node01, node02]
hadoop: { home: /opt/hadoop, line: "1", start: [/opt/start] }
`

function problem (text: string): string {
  try {
    parseXenTestbedFile(text, 'lab.yaml')
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigFileError)
    return (err as Error).message
  }
  throw new Error('expected the file to be refused')
}

describe('the xen testbed file', () => {
  it('reads the shipped example, its inventories resolved against its directory and valid', async () => {
    const f = await loadXenTestbedFile(EXAMPLE)
    expect(f.slaveHosts).toHaveLength(12)
    expect(f.setups.VM4).toEqual({ master: 'hadoop-master', slaves: 'hadoop-slave' })
    expect(f.native.PHY).toBe(fileURLToPath(new URL('../../../examples/testbeds/phy.yaml', import.meta.url)))
    expect((await loadInventory(f.native.PHY!)).slaves).toEqual(f.slaveHosts)
    expect((await loadInventory(f.native['PHY-1CORE']!)).master).toBe('node00')
    expect(f.deploy?.templates.xenos).toEqual(['hadoop-slave-xenos-1', 'hadoop-slave-xenos-2', 'hadoop-slave-xenos-3'])
    expect(f.migration).toEqual({ target: 'freeMemoryMiB>=1024', live: true, storage: 'stop-and-copy' })
    expect(hadoopConfDir(f.hadoop)).toBe('/opt/hadoop-0.20.2/conf')
  })

  it('fills defaults in a minimal file', () => {
    const f = parseXenTestbedFile(MINIMAL, 'lab.yaml')
    expect(f.api.searchDeadlineMs).toBe(2000)
    expect(f.setups).toEqual({})
    expect(f.deploy).toBeUndefined()
    expect(hadoopConfDir({ home: '/opt/hadoop-3/', line: '2+' })).toBe('/opt/hadoop-3/etc/hadoop')
  })

  it('names file, line, column, field, expected and found', () => {
    expect(problem(MINIMAL.replace('[node01, node02]', '[node01, node00]'))).toMatch(/lab\.yaml:4:\d+: slaveHosts\[1\]: .*other than the master host "node00"/)
    expect(problem(MINIMAL.replace('https://node00:7001/RPC2', 'node00'))).toMatch(/lab\.yaml:2:\d+: api\.endpoints\[0\]: expected an API URL/)
    expect(problem(`${MINIMAL}setups:\n  PHY: { master: m, slaves: s }\n`))
      .toMatch(/lab\.yaml:7:\d+: setups\.PHY: expected only the documented fields, found unknown field "PHY"/)
    expect(problem(`${MINIMAL}native:\n  VM1: phy.yaml\n`)).toMatch(/lab\.yaml:7:\d+: native\.VM1: expected only the documented fields/)
    expect(problem(MINIMAL.replace('start: [/opt/start]', 'start: []'))).toMatch(/hadoop\.start: .*a command as a list of arguments/)
    expect(problem(`${MINIMAL}deploy: { templates: { paper: [t, u], xenos: u }, nicBps: 1, diskReadBps: 1, diskWriteBps: 1 }\n`))
      .toMatch(/deploy\.templates: expected different template names for the two methods/)
    expect(problem(`${MINIMAL}extra: 1\n`)).toMatch(/extra/)
  })

  it('wants HTTPS off loopback, trusted by a pinned fingerprint or a CA file', async () => {
    expect(problem(MINIMAL.replace('https://node00', 'http://node00'))).toMatch(/lab\.yaml:2:\d+: api\.endpoints: expected https:\/\/ endpoints off loopback/)
    expect(parseXenTestbedFile(MINIMAL.replace('https://node00', 'http://127.0.0.1'), 'lab.yaml').api.endpoints).toEqual(['http://127.0.0.1:7001/RPC2'])
    const insecure = MINIMAL.replace('RPC2] }', 'RPC2], insecureHttp: true }').replace('https://', 'http://')
    expect(parseXenTestbedFile(insecure, 'lab.yaml').api.insecureHttp).toBe(true)
    const pin = 'AB:'.repeat(31) + 'CD'
    const pinned = parseXenTestbedFile(MINIMAL.replace('RPC2] }', `RPC2], tls: { fingerprint256: "${pin}" } }`), 'lab.yaml')
    expect(await testbedTls(pinned)).toEqual({ fingerprint256: pin })
    expect(problem(MINIMAL.replace('RPC2] }', 'RPC2], tls: { fingerprint256: "AB:CD" } }'))).toMatch(/api\.tls\.fingerprint256: expected a SHA-256 fingerprint/)
    expect(problem(MINIMAL.replace('RPC2] }', `RPC2], tls: { fingerprint256: "${pin}", caFile: /etc/ca.pem } }`)))
      .toMatch(/api\.tls: expected either fingerprint256 or caFile/)
    const ca = parseXenTestbedFile(MINIMAL.replace('RPC2] }', 'RPC2], tls: { caFile: /nonexistent/ca.pem } }'), 'lab.yaml')
    await expect(testbedTls(ca)).rejects.toThrow(/api\.tls\.caFile: expected a readable PEM file/)
    expect(await testbedTls(parseXenTestbedFile(MINIMAL, 'lab.yaml'))).toBeUndefined()
  })

  it('reads the token from the file or the environment it names, never from the testbed file', async () => {
    const f = parseXenTestbedFile(MINIMAL, 'lab.yaml')
    expect(await testbedCredentials(f, { XENOS_TOKEN: 'xenos_abc' })).toEqual({ scheme: 'bearer', token: 'xenos_abc' })
    await expect(testbedCredentials(f, {})).rejects.toThrow(MissingTokenError)
    const basic = parseXenTestbedFile(MINIMAL.replace('RPC2] }', 'RPC2], user: admin, tokenEnv: LAB_TOKEN }'), 'lab.yaml')
    expect(await testbedCredentials(basic, { LAB_TOKEN: 't' })).toEqual({ scheme: 'basic', user: 'admin', token: 't' })
    const missingFile = parseXenTestbedFile(MINIMAL.replace('RPC2] }', 'RPC2], tokenFile: /nonexistent/token }'), 'lab.yaml')
    await expect(testbedCredentials(missingFile, {})).rejects.toThrow(/expected the Xenos API token in the token file \/nonexistent\/token, found ENOENT/)
    expect(await readFile(EXAMPLE, 'utf8')).not.toMatch(/xenos_[A-Za-z0-9_-]{20}/)
  })
})

/**
 * A real lab without hardware, for the xen testbed's end-to-end test:
 * - Xen hosts from xen-driver's `xl` test double (`test-double/bin`), each
 *   with a real `xenDriver` over it and a real Xenos coordinator
 *   (`startXenosHost`: libp2p over loopback, XML-RPC API, template images
 *   as files moved by the chunked transfer);
 * - Hadoop from hadoop-bench's end-to-end approach: a fake `ssh` that runs
 *   the remote command in a local shell, and a fake `bin/hadoop` keeping
 *   "HDFS" in a directory and printing recorded Hadoop 0.20 transcripts;
 * - the lab's start and stop commands, which snapshot the configuration
 *   the testbed wrote (so the test can read what Hadoop was given);
 * - a testbed file and a PHY inventory file naming all of it.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { ClusterAuthority, startXenosHost, type Credentials, type Principal, type TemplateConfig, type XenosHost } from '@xenos/core'
import { waitFor } from '@xenos/hypervisor-interface'
import { xenDriver } from '@xenos/xen-driver'

const require = createRequire(import.meta.url)
const DOUBLE_BIN = join(dirname(require.resolve('@xenos/xen-driver/package.json')), 'test-double', 'bin')
const TRANSCRIPTS = join(dirname(require.resolve('@xenos/hadoop-bench/package.json')), 'test', 'transcripts')
export const TOKEN = 'xenos_e2e-lab-admin-token'
const MiB = 1024 * 1024

const FAKE_HADOOP = `#!/bin/sh
# fake hadoop: HDFS is $ROOT/hdfs; jobs print Hadoop 0.20 transcripts
ROOT=$(cd "$(dirname "$0")/.." && pwd)
H="$ROOT/hdfs"
echo "$*" >> "$ROOT/calls.log"
case "$1" in
  fs)
    shift
    case "$1" in
      -test) [ -e "$H$3" ]; exit $? ;;
      -mkdir) mkdir -p "$H$2" ;;
      -put) cp "$2" "$H$3" ;;
      -get) cp "$H$2" "$3" ;;
      -stat) echo "$(wc -c < "$H$3" | tr -d ' ') 2" ;;
      -rmr) rm -r "$H$2" ;;
      *) echo "unknown fs command $1" >&2; exit 255 ;;
    esac ;;
  jar)
    case "$3" in
      wordcount)
        [ -d "$H$4" ] || { echo "Input path does not exist: $4" >&2; exit 1; }
        sleep "$(cat "$ROOT/job-seconds" 2>/dev/null || echo 0)"; cat "@T/h1-wordcount.txt" >&2 ;;
      pi) cat "@T/h1-pi.txt" ;;
      *) echo "unexpected job $3" >&2; exit 1 ;;
    esac ;;
esac
`.replaceAll('@T', TRANSCRIPTS)

export interface XenLab {
  root: string
  hosts: Map<string, XenosHost>
  testbedFile: string
  /** The fake Hadoop's home (its calls.log, starts/ snapshots). */
  hadoopHome: string
  stop (): Promise<void>
}

function template (name: string, root: string, kernel: string, memoryMiB: number): TemplateConfig {
  const image = `templates/${name}/xvda.img`
  return {
    name,
    spec: {
      name,
      vcpus: 1,
      memoryMiB,
      disks: [{ image, target: 'xvda' }],
      boot: { kind: 'pvh', kernel, cmdline: 'console=hvc0' },
      nics: [{ bridge: 'xenbr0' }]
    },
    images: [{ path: image, sizeBytes: MiB, target: 'xvda' }],
    groups: [], attributes: {}, endpoints: [], source: `${root}/${name}.yaml`
  }
}

/** Starts `slaves + 1` double Xen hosts (`node00` the master host) with coordinators, and writes the testbed files. */
export async function startXenLab (slaves: number): Promise<XenLab> {
  const root = await mkdtemp(join(tmpdir(), 'xenos-xen-lab-'))
  const names = Array.from({ length: slaves + 1 }, (_, i) => `node${String(i).padStart(2, '0')}`)
  process.env.PATH = `${DOUBLE_BIN}:${process.env.PATH ?? ''}`
  process.env.XL_DOUBLE_ROOT = join(root, 'xl')
  process.env.XL_DOUBLE_NODE = process.execPath
  const kernel = join(root, 'boot', 'vmlinuz')
  await mkdir(dirname(kernel), { recursive: true })
  await writeFile(kernel, 'not really a kernel')
  const templates = ['hadoop-master', 'hadoop-slave', 'deploy-paper', 'deploy-paper-2', 'deploy-xenos']
    .map(t => template(t, root, kernel, t === 'hadoop-master' ? 256 : 128))
  const imageDir = (h: string): string => join(root, 'images', h)
  for (const h of names) {
    await mkdir(join(root, 'xl', h), { recursive: true })
    const host = {
      hostname: h, totalMiB: 2048, dom0MiB: 512, nrCpus: 2, cpuMhz: '2394.454', xenVersion: '4.17.3', bridges: ['xenbr0'], shutdownMs: 50, migrateMsPerGiB: 400
    }
    await writeFile(join(root, 'xl', h, 'host.json'), JSON.stringify(host))
  }
  for (const t of templates) {
    await mkdir(join(imageDir('node00'), 'templates', t.name), { recursive: true })
    await writeFile(join(imageDir('node00'), t.images[0]!.path), Buffer.alloc(MiB, t.name.length))
  }
  const authenticate = (c: Credentials): Principal => {
    if (c.token !== TOKEN) throw new Error('expected the lab\'s admin token, found another')
    return { user: 'root', role: 'admin' }
  }
  const hosts = new Map<string, XenosHost>()
  const authority = await ClusterAuthority.create(join(root, 'cluster'))
  const start = async (h: string, bootstrap: string[]): Promise<void> => {
    const driver = await xenDriver({
      imageDir: imageDir(h),
      stateDir: join(root, 'state', h),
      xl: ['env', `XL_DOUBLE_HOST=${h}`, 'xl'],
      xentop: ['env', `XL_DOUBLE_HOST=${h}`, 'xentop'],
      qemuImg: false,
      migration: {
        sshCommand: '',
        receiver: t => `XL_DOUBLE_HOST=${t.host} xl migrate-receive`,
        targets: Object.fromEntries(names.map(n => [n, { imageDir: imageDir(n) }])),
        timeoutS: 60
      }
    })()
    hosts.set(h, await startXenosHost({
      dataDir: join(root, 'data', h),
      trust: await authority.hostTrust(join(root, 'data', h), h),
      bootstrap,
      imageDir: imageDir(h),
      monitorIntervalMs: 0,
      coordinator: { searchDeadlineMs: 10_000 }
    }, {
      driver,
      authenticate,
      configSource: { load: async () => ({ templates: h === 'node00' ? templates : [], services: [], problems: [] }) },
      onError: (err) => { console.error(`xenos host ${h}:`, err) }
    }))
  }
  const stopAll = async (): Promise<void> => { for (const x of hosts.values()) await x.stop() }
  try {
    await start(names[0]!, [])
    const boot = [hosts.get(names[0]!)!.node.multiaddrs()[0]!.toString()]
    for (const h of names.slice(1)) await start(h, boot)
    await waitFor(() => [...hosts.values()].every(x => x.membership.members().length >= names.length - 1), {
      timeoutS: 60, what: `${names.length} coordinators to know each other`
    })
  } catch (err) {
    await stopAll()
    throw err
  }

  const hadoopHome = join(root, 'hadoop')
  await mkdir(join(hadoopHome, 'bin'), { recursive: true })
  await mkdir(join(hadoopHome, 'hdfs'), { recursive: true })
  await writeFile(join(hadoopHome, 'bin', 'hadoop'), FAKE_HADOOP)
  await writeFile(join(hadoopHome, 'hadoop-0.20.2-examples.jar'), '')
  const ssh = join(root, 'ssh')
  await writeFile(ssh, [
    '#!/bin/sh',
    '# fake ssh: records the target, runs the remote command here',
    'while [ "$1" != "--" ]; do last="$1"; shift; done',
    'shift',
    'echo "$last" >> "$(dirname "$0")/ssh-targets.log"',
    'exec sh -c "$*"',
    ''
  ].join('\n'))
  const startCmd = join(root, 'hadoop-start')
  await writeFile(startCmd, [
    '#!/bin/sh',
    '# the lab\'s start command: here it keeps a copy of the configuration it was given',
    `n=$(ls "${hadoopHome}/starts" 2>/dev/null | wc -l)`,
    `mkdir -p "${hadoopHome}/starts/$n" && cp "${hadoopHome}/conf/"* "${hadoopHome}/starts/$n/"`,
    ''
  ].join('\n'))
  const stopCmd = join(root, 'hadoop-stop')
  await writeFile(stopCmd, `#!/bin/sh\necho stopped >> "${hadoopHome}/stops.log"\n`)
  for (const f of [join(hadoopHome, 'bin', 'hadoop'), ssh, startCmd, stopCmd]) await chmod(f, 0o755)
  await writeFile(join(root, 'token'), `${TOKEN}\n`)
  await writeFile(join(root, 'phy.yaml'), [
    'master: phy00', `slaves: [${names.slice(1).map(n => n.replace('node', 'phy')).join(', ')}]`,
    `ssh: { user: hadoop, command: ${ssh} }`, `hadoop: { home: ${hadoopHome}, line: "1" }`, ''
  ].join('\n'))
  const testbedFile = join(root, 'lab.yaml')
  await writeFile(testbedFile, [
    'name: e2e-lab',
    'api:',
    `  endpoints: [${hosts.get('node00')!.apiUrl}, ${hosts.get('node01')!.apiUrl}]`,
    `  tokenFile: ${join(root, 'token')}`,
    '  searchDeadlineMs: 10000', // an early return once every host has answered: only a loaded machine waits
    'masterHost: node00',
    `slaveHosts: [${names.slice(1).join(', ')}]`,
    `ssh: { user: hadoop, command: ${ssh}, options: [StrictHostKeyChecking=no] }`,
    'hadoop:',
    `  home: ${hadoopHome}`,
    '  line: "1"',
    `  confDir: ${hadoopHome}/conf`,
    `  localWorkDir: ${root}/work`,
    `  start: [${startCmd}]`,
    `  stop: [${stopCmd}]`,
    'setups:',
    '  VM1: { master: hadoop-master, slaves: hadoop-slave }',
    '  VM2: { master: hadoop-master, slaves: hadoop-slave }',
    'native:',
    '  PHY: phy.yaml',
    'deploy:',
    '  templates: { paper: [deploy-paper, deploy-paper-2], xenos: deploy-xenos }',
    '  nicBps: 125000000',
    '  diskReadBps: 60000000',
    '  diskWriteBps: 50000000',
    'migration: { target: "freeMemoryMiB>=256" }',
    ''
  ].join('\n'))
  return {
    root, hosts, testbedFile, hadoopHome,
    async stop () { await stopAll(); await rm(root, { recursive: true, force: true }) }
  }
}

import { describe, it, expect } from 'vitest'
import { hadoopConfig, InvalidLayoutError } from './hadoop-config.js'
import { PAPER_HADOOP, withSettings, InvalidSettingError } from './setups.js'

describe('hadoopConfig', () => {
  const layout = { master: 'master', slaves: ['vm-1', 'vm-2'] }

  it('writes the paper\'s settings with Hadoop 0.20 property names', () => {
    const files = hadoopConfig(layout, PAPER_HADOOP, '1')
    expect(files.slaves).toBe('vm-1\nvm-2\n')
    expect(files['hdfs-site.xml']).toContain('<name>dfs.replication</name>\n    <value>2</value>')
    expect(files['hdfs-site.xml']).toContain('<value>67108864</value>')
    expect(files['mapred-site.xml']).toContain('<name>mapred.tasktracker.map.tasks.maximum</name>\n    <value>2</value>')
    expect(files['mapred-site.xml']).toContain('<value>master:9001</value>')
    expect(files['core-site.xml']).toContain('<value>hdfs://master:9000</value>')
    expect(files['yarn-site.xml']).toBeUndefined()
  })

  it('writes the memory settings the simulated Hadoop sizes its tasks from', () => {
    const files = hadoopConfig(layout, PAPER_HADOOP, '1')
    expect(files['mapred-site.xml']).toContain('<name>mapred.child.java.opts</name>\n    <value>-Xmx200m</value>')
    expect(files['mapred-site.xml']).toContain('<name>io.sort.mb</name>\n    <value>100</value>')
    expect(files['mapred-site.xml']).toContain('<name>mapred.job.shuffle.input.buffer.percent</name>\n    <value>0.7</value>')
  })

  it('writes YARN settings for Hadoop 2 and later', () => {
    const files = hadoopConfig(layout, PAPER_HADOOP, '2+')
    expect(files['core-site.xml']).toContain('<name>fs.defaultFS</name>')
    expect(files['yarn-site.xml']).toContain('<value>master</value>')
  })

  it('refuses a host name that would break the files', () => {
    expect(() => hadoopConfig({ master: 'm</value>', slaves: [] }, PAPER_HADOOP)).toThrow(InvalidLayoutError)
  })
})

describe('withSettings', () => {
  it('changes the slots and keeps the paper\'s other settings', () => {
    const s = withSettings(PAPER_HADOOP, { mapSlotsPerNode: 4 })
    expect(s.mapSlotsPerNode).toBe(4)
    expect(s.reduceSlotsPerNode).toBe(PAPER_HADOOP.reduceSlotsPerNode)
    const mapred = hadoopConfig({ master: 'm', slaves: ['s'] }, s)['mapred-site.xml']
    expect(mapred).toContain('<name>mapred.tasktracker.map.tasks.maximum</name>\n    <value>4</value>')
  })

  it('refuses a slot count that is not a positive integer, and a sort buffer as large as the heap', () => {
    expect(() => withSettings(PAPER_HADOOP, { mapSlotsPerNode: 0 })).toThrow(InvalidSettingError)
    expect(() => withSettings(PAPER_HADOOP, { reduceSlotsPerNode: 1.5 })).toThrow(/reduceSlotsPerNode: expected an integer >= 1, found 1.5/)
    expect(() => withSettings(PAPER_HADOOP, { ioSortMiB: 200 })).toThrow(InvalidSettingError)
  })
})

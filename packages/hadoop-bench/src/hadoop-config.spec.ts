import { describe, it, expect } from 'vitest'
import { hadoopConfig, InvalidLayoutError } from './hadoop-config.js'
import { PAPER_HADOOP } from './setups.js'

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

  it('writes YARN settings for Hadoop 2 and later', () => {
    const files = hadoopConfig(layout, PAPER_HADOOP, '2+')
    expect(files['core-site.xml']).toContain('<name>fs.defaultFS</name>')
    expect(files['yarn-site.xml']).toContain('<value>master</value>')
  })

  it('refuses a host name that would break the files', () => {
    expect(() => hadoopConfig({ master: 'm</value>', slaves: [] }, PAPER_HADOOP)).toThrow(InvalidLayoutError)
  })
})

import { describe, expect, it } from 'vitest'
import { modeledImageFetcher, type PeerNetwork } from '../../src/coordinator/index.js'
import { FakeCluster } from '../support/fake-cluster.js'

const SIZE = 1_000_003
function network (holding: string[]): PeerNetwork {
  return {
    search: async () => ({ results: [], nonResponders: [] }),
    call: async (host, method, params) => {
      if (method !== 'xenos.peer.imageInfo' || !holding.includes(host)) throw new Error(`${host} holds nothing`)
      return { path: params[0], sizeBytes: SIZE, allocatedBytes: SIZE, format: 'raw' }
    }
  }
}
const image = { path: 'templates/t/xvda.img', sizeBytes: SIZE, target: 'xvda' }

describe('modeled image fetcher', () => {
  it('sends equal shares from every holder for chunked, all from one holder for whole-copy', async () => {
    const cluster = new FakeCluster([{ name: 'dst' }])
    const flows: Array<[string, string, number]> = []
    const f = modeledImageFetcher({ network: () => network(['a', 'b', 'c']), transferModel: async (from, to, bytes) => { flows.push([from, to, bytes]) } })
    await f.fetch({ image, template: 't', holders: ['a', 'x', 'b', 'c'], destination: image.path, method: 'chunked', driver: cluster.driver('dst') })
    expect(flows.map(x => x[0])).toEqual(['a', 'b', 'c'])
    expect(flows.every(x => x[1] === 'dst')).toBe(true)
    expect(flows.reduce((n, x) => n + x[2], 0)).toBe(SIZE)
    expect((await cluster.driver('dst').imageInfo(image.path)).sizeBytes).toBe(SIZE)
    flows.length = 0
    await f.fetch({ image, template: 't', holders: ['x', 'b', 'c'], destination: 'templates/t/copy.img', method: 'whole-copy', driver: cluster.driver('dst') })
    expect(flows).toEqual([['b', 'dst', SIZE]])
    expect(await cluster.driver('dst').listImages('staging')).toEqual([])
  })

  it('names the holder when its transfer fails, and leaves no image', async () => {
    const cluster = new FakeCluster([{ name: 'dst' }])
    const f = modeledImageFetcher({ network: () => network(['a']), transferModel: async () => { throw new Error('link down') } })
    await expect(f.fetch({ image, template: 't', holders: ['a'], destination: image.path, method: 'chunked', driver: cluster.driver('dst') }))
      .rejects.toThrow(/expected host a to send templates\/t\/xvda.img to dst, found: link down/)
    expect(await cluster.driver('dst').listImages()).toEqual([])
    await expect(f.fetch({ image, template: 't', holders: ['x'], destination: image.path, method: 'chunked', driver: cluster.driver('dst') }))
      .rejects.toThrow(/x: x holds nothing/)
  })
})

/**
 * `@xenos/core/testing`: what tests of code built on Xenos share: a cluster
 * of N real hosts over any drivers (`startTestCluster`), the test users with
 * their tokens, and a fixed configuration source. To wait for a condition,
 * use `waitFor` of `@xenos/hypervisor-interface`.
 *
 * @example
 * ```ts
 * import { loadPlatform, PAPER_PLATFORM_FILE } from '@xenos/sim-engine'
 * import { SimCluster } from '@xenos/sim-driver'
 * import { startTestCluster, TEST_TOKENS } from '@xenos/core/testing'
 *
 * const sim = new SimCluster({ platform: await loadPlatform(PAPER_PLATFORM_FILE), seed: 1 })
 * const cluster = await startTestCluster({ hosts: sim.hostnames().slice(0, 3).map(h => ({ driver: sim.driver(h) })) })
 * const { results } = await cluster.client(0, TEST_TOKENS.alice).searchHosts('backend=sim')
 * console.log(results.map(h => h.hostname))
 * await cluster.stop()
 * await sim.close()
 * ```
 */
export { startTestCluster, TestClusterError, type TestCluster, type TestClusterHost, type TestClusterInit } from './test-cluster.js'
export { TEST_TOKENS, TEST_USERS, testAuthenticate, UnknownTestTokenError } from './test-users.js'
export { staticConfig } from './static-config.js'

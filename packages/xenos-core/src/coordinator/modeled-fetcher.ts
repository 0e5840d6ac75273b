/**
 * An `ImageFetcher` for backends whose images are modeled rather than
 * stored as bytes (the simulator: an image is a size in the host's image
 * store). It asks the holders over the overlay (`xenos.peer.imageInfo`)
 * which of them hold the image at the expected size, takes the first that
 * does, and makes the image in the local store through the driver:
 * - `chunked`: the image is created at its destination;
 * - `whole-copy` (the paper's method): created at a staging path, then
 *   copied locally with `copyImage` and the staging copy deleted, so the
 *   driver accounts for the second, local copy.
 * The network is modeled by `transferModel` when one is given (on sim, a
 * flow of the simulated network from each holder): `chunked` sends an equal
 * share from every holder that has the image, at once; `whole-copy` sends
 * everything from one holder. Without it the network takes no time. On a
 * backend with real files use the chunked transfer of `overlay/transfer`.
 * On failure nothing is left at the destination or the staging path.
 */
import type { ImageInfo } from '@xenos/hypervisor-interface'
import { paths, undo } from './context.js'
import { PeerError } from './errors.js'
import type { ImageFetcher, PeerNetwork } from './ports.js'

/** Takes the time `bytes` need to go from host `from` to host `to` (for example a simulated network flow). */
export type TransferModel = (from: string, to: string, bytes: number) => Promise<void>

export function modeledImageFetcher (components: { network: () => PeerNetwork | undefined, transferModel?: TransferModel }): ImageFetcher {
  return {
    async fetch (req) {
      const network = components.network()
      if (network === undefined) throw new PeerError(req.holders.join(','), `hold ${req.image.path}`, 'no overlay to ask')
      const reasons: string[] = []
      const holders: string[] = []
      for (const h of req.holders) {
        try {
          const info = await network.call(h, 'xenos.peer.imageInfo', [req.image.path]) as ImageInfo
          if (info.sizeBytes !== req.image.sizeBytes) { reasons.push(`${h}: size ${info.sizeBytes}, expected ${req.image.sizeBytes}`); continue }
          holders.push(h)
          if (req.method === 'whole-copy') break
        } catch (err) {
          reasons.push(`${h}: ${(err as Error).message}`)
        }
      }
      if (holders.length === 0) throw new PeerError(req.holders.join(','), `hold ${req.image.path} (${req.image.sizeBytes} bytes)`, reasons.join('; '))
      const model = components.transferModel
      if (model !== undefined) {
        const share = Math.floor(req.image.sizeBytes / holders.length)
        await Promise.all(holders.map(async (h, i) => {
          try {
            await model(h, req.driver.hostname, i === 0 ? req.image.sizeBytes - share * (holders.length - 1) : share)
          } catch (err) {
            throw new PeerError(h, `send ${req.image.path} to ${req.driver.hostname}`, (err as Error).message, { cause: err })
          }
        }))
      }
      if (req.method === 'chunked') {
        await req.driver.createImage(req.destination, req.image.sizeBytes)
        return { bytes: req.image.sizeBytes }
      }
      const staging = paths.staging(req.template, req.image.target)
      await req.driver.createImage(staging, req.image.sizeBytes)
      try {
        await req.driver.copyImage(staging, req.destination)
      } catch (err) {
        await undo(err, [async () => { await req.driver.deleteImage(staging) }], 'deleting the staging copy')
        throw err
      }
      await req.driver.deleteImage(staging)
      return { bytes: req.image.sizeBytes }
    }
  }
}

/**
 * The platform file format (YAML or JSON), as a zod schema. Units are in the
 * field names. See `platforms/paper-2010.yaml` for a commented example.
 */
import { z } from 'zod'
import { estimatesSchema } from '@xenos/config-file'

const positive = z.number().positive()
const nonNegative = z.number().nonnegative()
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of letters, digits, ".", "_" or "-"')

export const diskSchema = z.strictObject({
  /** Device name, for example `sda`. */
  name: name.default('sda'),
  capacityBytes: positive,
  /** Sequential read bandwidth of one stream on the outermost tracks, bytes/s. */
  readBps: positive,
  /** Sequential write bandwidth of one stream on the outermost tracks, bytes/s. */
  writeBps: positive,
  /** Rate of the innermost tracks over the outermost's (zoned recording). 1 = the same everywhere. @default 1 */
  innerZoneFraction: z.number().gt(0).lte(1).default(1),
  /** Spindle speed, revolutions per minute: half a revolution is each request's rotational latency when streams interleave. 0 = none. @default 0 */
  rpm: nonNegative.default(0),
  /** Mean seek between random positions, seconds. @default 0 */
  averageSeekS: nonNegative.default(0),
  /** Shortest seek (to a neighbouring track), seconds. @default 0 */
  trackSeekS: nonNegative.default(0),
  /** Bytes over which one domain's files spread (a guest's image): its streams are a third of it apart. @default 0 */
  domainSpanBytes: nonNegative.default(0),
  /** Bytes a host's sequential reader has queued per request (its readahead). Required with seeks or rotation. */
  readRequestBytes: positive.optional(),
  /** Bytes a host's write-back has queued per request. Required with seeks or rotation. */
  writeRequestBytes: positive.optional()
}).superRefine((d, ctx) => {
  if (d.trackSeekS > d.averageSeekS) ctx.addIssue({ code: 'custom', path: ['trackSeekS'], message: `at most averageSeekS (${d.averageSeekS})` })
  const positioning = d.rpm > 0 || d.averageSeekS > 0
  for (const key of ['readRequestBytes', 'writeRequestBytes'] as const) {
    if (positioning && d[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'a request size in bytes (the disk has seeks or rotation)' })
  }
})

export const hostTypeSchema = z.strictObject({
  cores: z.number().int().min(1).max(4096),
  /** Work units per second of one core (the unit of `exec` flops). */
  coreSpeedFlops: positive,
  memoryMiB: z.number().int().min(1),
  /** Memory copy bandwidth (page-cache hits, same-host transfers), bytes/s. */
  memoryBandwidthBps: positive,
  /** Runs Xen (Domain 0 + guests); false = a native Linux host. @default true */
  virtualized: z.boolean().default(true),
  dom0: z.strictObject({
    memoryMiB: z.number().int().min(0),
    /** VCPUs of Domain 0 (its I/O back-ends run on them). */
    vcpus: z.number().int().min(1)
  }).default({ memoryMiB: 0, vcpus: 1 }),
  disks: z.array(diskSchema).min(1),
  nic: z.strictObject({
    /** Full duplex: this much up to the switch and this much down from it, bytes/s each way. */
    bandwidthBps: positive,
    /** One-way latency of the host-switch hop, seconds. */
    latencyS: nonNegative
  })
})

const hostEntrySchema = z.union([
  z.strictObject({ name, type: z.string() }),
  z.strictObject({
    /** Hosts `<prefix><n>` for n = start .. start+count-1, n zero-padded to `pad` digits. */
    prefix: z.string().regex(/^[A-Za-z][A-Za-z0-9._-]{0,50}$/),
    count: z.number().int().min(1).max(1_000_000),
    start: z.number().int().min(0).default(1),
    pad: z.number().int().min(0).max(12).default(0),
    type: z.string()
  })
])

export const platformSchema = z.strictObject({
  name,
  description: z.string().optional(),
  network: z.strictObject({
    /** Extra one-way latency of the switch itself, seconds. */
    switchLatencyS: nonNegative.default(0),
    /** Fraction of a link's bandwidth that carries payload (TCP/IP/Ethernet headers). */
    tcpEfficiency: z.number().gt(0).lte(1).default(1)
  }),
  virtualization: z.strictObject({
    /** Domain 0 CPU work per byte of guest disk I/O (blkback), flops/byte. */
    dom0DiskFlopsPerByte: nonNegative,
    /** Domain 0 CPU work per byte of guest network I/O (netback + bridge), flops/byte. */
    dom0NetFlopsPerByte: nonNegative,
    /** Latency the split-driver path adds to each guest disk request, seconds. */
    diskLatencyS: nonNegative,
    /**
     * Bytes a sequential guest reader has in flight (its readahead window):
     * the disk part of a guest read pays `diskLatencyS` once per window.
     * Absent: once per I/O, however large.
     */
    diskReadWindowBytes: positive.optional(),
    /**
     * Bytes a guest's write-back can have in flight through its front-end
     * (the block ring's requests x segments x page): the disk part of a
     * guest write pays `diskLatencyS` once per window. Absent: once per I/O.
     */
    diskWriteWindowBytes: positive.optional(),
    /** Latency the split-driver path adds per guest endpoint of a transfer, seconds. */
    netLatencyS: nonNegative,
    /**
     * How Domain 0 backs a guest's disk (Xen's disk prefix): `phy` a raw device (blkback), `tap:aio` an
     * image file opened with direct I/O (blktap), `file` an image file behind a loop device, through
     * Domain 0's page cache (see `io`). @default phy
     */
    imageBackend: z.enum(['phy', 'tap:aio', 'file']).default('phy')
  }),
  pageCache: z.strictObject({
    /** Fraction of a cache that may hold dirty (not yet written) pages before writers are throttled. */
    dirtyRatio: z.number().gt(0).lte(1),
    /** Memory a guest's own processes use; the rest of its memory is page cache. */
    guestWorkingSetMiB: nonNegative,
    /** Memory Domain 0's processes use; the rest of Domain 0's memory is its page cache. */
    dom0WorkingSetMiB: nonNegative,
    /** Memory a native host's processes use; the rest of its memory is page cache. */
    nativeWorkingSetMiB: nonNegative
  }),
  /** Reference figures the model is checked against (bytes/s etc.); informative. */
  calibration: z.record(z.string(), z.number()).default({}),
  /** Values not measured on the hardware (dotted paths), each with the range its source allows; checked against the values. */
  estimates: estimatesSchema.default({}),
  hostTypes: z.record(z.string(), hostTypeSchema),
  hosts: z.array(hostEntrySchema).min(1)
})

export type PlatformInput = z.input<typeof platformSchema>
export type PlatformParsed = z.output<typeof platformSchema>

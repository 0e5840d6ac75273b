/**
 * What a domain (virtual machine) is made of: the backend-neutral form of an
 * `xl` domain configuration file.
 */
export interface DomainSpec {
  /** Unique per host: letters, digits, `.`, `_` and `-`, 1 to 64 characters, starting with a letter or digit. */
  name: string
  /** Virtual CPUs, at least 1. */
  vcpus: number
  /** Memory reserved for the domain while it runs, in MiB, at least 16. */
  memoryMiB: number
  /** Disks in the order the guest sees them. */
  disks: DiskSpec[]
  /** How the domain boots. */
  boot: BootSpec
  /** Network interfaces. */
  nics: NicSpec[]
  /**
   * Free-form key/value pairs a backend may read (for example the simulator's
   * `sim.dirtyRateBps`, a guest's memory dirty rate). Backends ignore keys they
   * do not know. Keys and values are strings.
   */
  annotations?: Record<string, string>
}

export type DiskFormat = 'raw' | 'qcow2'

export interface DiskSpec {
  /** Path of the image file in the host's image store. */
  image: string
  /** Device name the guest sees, for example `xvda`. */
  target: string
  /** Image format. @default 'raw' */
  format?: DiskFormat
  /** `rw` or `ro`. @default 'rw' */
  mode?: 'rw' | 'ro'
}

/** Direct kernel boot (PV or PVH), or a full virtual machine booting from its disk (HVM). */
export type BootSpec =
  | { kind: 'pv' | 'pvh', kernel: string, ramdisk?: string, cmdline?: string }
  | { kind: 'hvm' }

export interface NicSpec {
  /** Bridge in Domain 0 the interface is attached to, for example `xenbr0`. */
  bridge: string
  /** MAC address `xx:xx:xx:xx:xx:xx`; the backend chooses one when absent. */
  mac?: string
}

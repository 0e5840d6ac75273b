/** What a host offers, as its hypervisor reports it. Units are in the names. */
export interface HostFacts {
  /** Host name as the backend knows it (unique within a backend). */
  hostname: string
  /** Hypervisor and version, for example `xen-4.17.3` or `sim`. */
  hypervisor: string
  cpu: {
    /** Physical cores usable by domains (Xen: nr_cpus). */
    cores: number
    /** Nominal speed of one core, in MHz. */
    speedMHz: number
    /** Free-form model name, for humans. */
    model: string
  }
  memory: {
    /** Memory the hypervisor manages, Domain 0 included, in MiB. */
    totalMiB: number
    /** Memory not reserved by any domain, in MiB (what a new domain can get). */
    freeMiB: number
    /** Memory held by Domain 0 (the control domain), in MiB. */
    dom0MiB: number
  }
  disk: {
    /** Capacity of the image store, in bytes. */
    totalBytes: number
    /** Free space in the image store, in bytes. */
    freeBytes: number
  }
  /** Network addresses of this host (IPv4/IPv6 literals), first is primary. */
  addresses: string[]
}

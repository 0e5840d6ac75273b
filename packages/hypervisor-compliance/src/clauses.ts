/**
 * The clauses of the driver contract the suite checks. Every test title
 * starts with `[clause-id]`; the README lists the same table.
 */
export const CLAUSES = {
  'host.facts': 'hostFacts() describes the host: cores, memory and disk totals at least their free parts, hostname matches',
  'host.capabilities': 'capabilities() reports every flag as a boolean and the storage migration modes',
  'clock.sleep': 'the driver clock advances by at least the time slept',
  'domain.create': 'createDomain defines a stopped domain that list and inspect report with its spec and a uuid',
  'domain.create.duplicate': 'a second domain with a used name fails with DomainExistsError and leaves the first alone',
  'domain.create.missing-image': 'a spec whose image does not exist fails with ImageNotFoundError and leaves nothing',
  'domain.not-found': 'operations on an unknown domain fail with DomainNotFoundError',
  'spec.invalid': 'bad input (spec, name, path, size) fails with InvalidSpecError and changes nothing',
  'lifecycle.start': 'start: stopped -> running, with a domid, a start time and memory in use',
  'lifecycle.start.invalid': 'start on a running domain fails with InvalidStateError',
  'lifecycle.pause': 'pause: running -> paused; pausing a paused domain is a no-op',
  'lifecycle.pause.invalid': 'pause on a stopped domain fails with InvalidStateError',
  'lifecycle.unpause': 'unpause: paused -> running; unpausing a running domain is a no-op',
  'lifecycle.unpause.invalid': 'unpause on a stopped domain fails with InvalidStateError',
  'lifecycle.shutdown': 'shutdown (graceful, with timeout): running -> stopped',
  'lifecycle.shutdown.idempotent': 'shutdown of a stopped domain is a no-op',
  'lifecycle.destroy': 'destroy: running or paused -> stopped',
  'lifecycle.destroy.idempotent': 'destroy of a stopped domain is a no-op',
  'lifecycle.restart': 'a stopped domain starts again with the same uuid',
  'lifecycle.remove': 'remove forgets a stopped domain, keeping its images unless deleteImages',
  'lifecycle.remove.idempotent': 'remove of an unknown domain is a no-op',
  'lifecycle.remove.invalid': 'remove of a running domain fails with InvalidStateError',
  'accounting.memory': 'free memory drops by the domain memory while it runs and comes back after',
  'accounting.memory.never-fits': 'a domain larger than the host fails with InsufficientMemoryError and leaves nothing',
  'accounting.memory.start-fails': 'starting a domain that does not fit now fails with InsufficientMemoryError and it stays stopped',
  'accounting.disk': 'an image larger than the free disk fails with InsufficientDiskError and leaves nothing',
  'storage.create': 'createImage makes an image that imageInfo and listImages report; a used path fails with ImageExistsError',
  'storage.copy': 'copyImage makes a full copy of the same size; missing source and used destination fail typed',
  'storage.clone': 'cloneImage copies a template (mode copy)',
  'storage.clone.cow': 'cloneImage(mode cow) makes a copy-on-write clone naming its template',
  'storage.delete': 'deleteImage removes an image; deleting it again is a no-op',
  'storage.in-use': 'deleting the image of a domain that is not stopped fails with ImageInUseError',
  'checkpoint.save-restore': 'save stops the domain, restore runs it again with the same name and uuid',
  'checkpoint.leave-running': 'save with leaveRunning keeps the domain running',
  'checkpoint.invalid': 'save of a stopped domain fails with InvalidStateError',
  'migration.live': 'live migration with its images moves the domain to the target; the source no longer lists it; the report is sane',
  'migration.failed': 'a migration to an unreachable target fails with MigrationFailedError and the domain still runs on the source',
  'reattach.handle': 'a handle is plain JSON; reattach finds the domain again, and fails with DomainNotFoundError once it is gone'
} as const

export type ClauseId = keyof typeof CLAUSES

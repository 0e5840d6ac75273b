/**
 * Services that outlive their host: restart policies (`policy.ts`), the
 * failover agent that guards, takes over and fences (`agent.ts`), the
 * rendezvous order that names who acts (`rendezvous.ts`) and the quorum
 * rule (`quorum.ts`). See docs/coordinator.md, "Services that outlive their host".
 */
export {
  FailoverAgent, supersedes,
  type CheckpointRef, type Claim, type FailoverClock, type FailoverComponents, type FailoverEvent, type FailoverInit, type FailoverMember,
  type FailoverPeers, type FailoverState, type FailoverStatus, type GuardRecord, type HeldGuard, type LocalProtected, type LocalServices
} from './agent.js'
export { rendezvousOrder, rendezvousWeight } from './rendezvous.js'
export { quorum, type QuorumInput, type QuorumVerdict } from './quorum.js'
export {
  restartPolicy, isProtected, RESTART_MODES, DEFAULT_RESTART_POLICY, MAX_REPLICAS, MAX_PLACEMENT_LENGTH, CHECKPOINT_INTERVAL_RANGE_S,
  type RestartMode, type RestartPolicy
} from './policy.js'
export { armWatchdog, checkWatchdogTimeout, WatchdogError, type Watchdog, type WatchdogComponents, type WatchdogDevice, type WatchdogInit } from './watchdog.js'

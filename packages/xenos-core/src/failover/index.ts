/**
 * Services that outlive their host: restart policies (`policy.ts`).
 */
export {
  restartPolicy, isProtected, RESTART_MODES, DEFAULT_RESTART_POLICY, MAX_REPLICAS, MAX_PLACEMENT_LENGTH, CHECKPOINT_INTERVAL_RANGE_S,
  type RestartMode, type RestartPolicy
} from './policy.js'

/**
 * Overlay membership (SWIM-style failure detection, gossip and push-pull
 * anti-entropy over libp2p). See membership.ts and swim.ts.
 */
export { Membership, type MembershipInit } from './membership.js'
export { Swim, type SwimInit, type SwimClock, type SwimComponents, type MemberInfo, type MemberTransition } from './swim.js'
export { MEMBER_STATES, supersedes, isLive, type MemberRecord, type MemberState } from './records.js'
export { MEMBERSHIP_PROTOCOL, type Deadlines, type Frame, type MembershipTransport, type PeerRef, type UnreachableKind } from './protocol.js'

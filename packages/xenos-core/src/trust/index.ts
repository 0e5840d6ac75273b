/**
 * Cluster trust: who may join the overlay (the swarm key and admission
 * records signed by the cluster's admission key), who a caller is (user
 * tokens signed by the cluster's issuing key, checked on every host without
 * a user store), and what was withdrawn (signed, versioned revocation lists
 * spread over the overlay). See docs/security.md.
 */
export { ClusterAuthority, DEFAULT_TOKEN_TTL_MS, hostIdentityDir, hostTrustStateDir, hostAdmissionFile, peerIdOfIdentity } from './authority.js'
export { HostTrust, readClusterFile, CLUSTER_FILE, SWARM_KEY_FILE, type HostTrustInit, type AdoptResult, type RevocationKind } from './host-trust.js'
export {
  isClusterToken, CLUSTER_TOKEN_PREFIX, type AdmissionRecord, type ClusterFile, type TokenClaims, type HostsRevocation, type UsersRevocation
} from './documents.js'
export { parseSignedDocument, type SignedDocument } from './signed.js'
export { writeFileAtomic } from './files.js'
export { TrustFileError, SignedDocumentError, AdmissionError, MissingClusterCredentialsError } from './errors.js'

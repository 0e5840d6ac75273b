/**
 * @packageDocumentation
 * @xenos/core: The Xenos coordinator: libp2p overlay, advertisement and search, groups, XML-RPC API, templates, replication and migration
 * (Being built; see the open issues.)
 */
// --- H5 block: XML-RPC, auth, config, search query language, ids ---
export * from './xmlrpc/index.js'
export type { Principal, Role } from './auth/principal.js'
// --- end H5 block ---
export {}

/**
 * @packageDocumentation
 * @xenos/core: The Xenos coordinator: libp2p overlay, advertisement and search, groups, XML-RPC API, templates, replication and migration
 * (Being built; see the open issues.)
 */
export {}

//! The hash map of the in-memory caches on the hot path (namespaces, manifests,
//! allow-once grants, privacy agreements): std's `HashMap` with foldhash's
//! per-process-seeded fast hasher instead of SipHash. Its keys are ids the host
//! supplies, and every cache is bounded, so SipHash's stronger flooding defence
//! is not worth a third of an allowed call. foldhash is already linked (through
//! rusqlite's statement cache), so this adds no code to the library.

use std::collections::HashMap;

/// A `HashMap` with the fast hasher; build it with `FastMap::default()`.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

//! Dense indexes for COCO ids: `image_id` / `category_id` → 0, 1, 2, ... in order of first sight.
//!
//! Streaming commands keep per-image and per-category counters; these indexes let them keep those counters in
//! plain vectors and bitsets (a few bytes per image) instead of hash maps keyed by `(category, image)` pairs.
//! Ids that are small and dense — every real COCO file — are looked up in a direct table (4 bytes per possible
//! id, allowed while it stays within [`DIRECT_PER_ID`] slots per id seen); any other id (negative, huge,
//! sparse) goes to a hash map, so any i64 works. This module knows nothing about JSON or records.

use std::collections::HashMap;

/// The direct table may have up to this many slots per id indexed (plus [`DIRECT_MIN`]).
pub const DIRECT_PER_ID: u64 = 8;
/// Slots the direct table may always use.
pub const DIRECT_MIN: u64 = 1 << 16;

const NONE: u32 = u32::MAX;

/// id → dense index.
#[derive(Default)]
pub struct IdIndex {
    direct: Vec<u32>,
    map: HashMap<i64, u32, foldhash::fast::RandomState>,
    len: u32,
}

impl IdIndex {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct ids indexed.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of `id`, if it was indexed.
    #[inline]
    pub fn get(&self, id: i64) -> Option<u32> {
        if let Some(&k) = usize::try_from(id).ok().and_then(|i| self.direct.get(i)) {
            if k != NONE {
                return Some(k);
            }
        }
        self.map.get(&id).copied()
    }

    /// The index of `id`, giving it the next free one if it is new.
    #[inline]
    pub fn index(&mut self, id: i64) -> u32 {
        if let Some(k) = self.get(id) {
            return k;
        }
        let k = self.len;
        // More than 2^32 - 1 distinct ids cannot be held in memory by any caller anyway.
        self.len = self
            .len
            .checked_add(1)
            .expect("fewer than 2^32 distinct ids");
        let budget = DIRECT_MIN.saturating_add(DIRECT_PER_ID.saturating_mul(self.len as u64));
        match u64::try_from(id) {
            Ok(i) if i < budget && i < usize::MAX as u64 => {
                let i = i as usize;
                if i >= self.direct.len() {
                    let grown = self.direct.len() + self.direct.len() / 2;
                    let want = grown.max(1024).min(budget as usize).max(i + 1);
                    self.direct.resize(want, NONE);
                }
                self.direct[i] = k;
            }
            _ => {
                self.map.insert(id, k);
            }
        }
        k
    }
}

/// A growable set of small integers (dense indexes), one bit each.
#[derive(Default, Clone)]
pub struct BitSet {
    words: Vec<u64>,
    count: u64,
}

impl BitSet {
    /// Insert `i`; true if it was not there.
    #[inline]
    pub fn insert(&mut self, i: u32) -> bool {
        let w = (i / 64) as usize;
        if w >= self.words.len() {
            let grown = self.words.len() + self.words.len() / 2;
            self.words.resize(grown.max(16).max(w + 1), 0);
        }
        let bit = 1u64 << (i % 64);
        let new = self.words[w] & bit == 0;
        self.words[w] |= bit;
        self.count += new as u64;
        new
    }

    #[inline]
    pub fn contains(&self, i: u32) -> bool {
        self.words
            .get((i / 64) as usize)
            .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
    }

    /// Number of members.
    pub fn len(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// A set of ids: one bit per id for small non-negative dense ids (a bit table of up to 64 bits per id
/// inserted, plus 2^20), a hash set for the others.
#[derive(Default)]
pub struct IdSet {
    direct: BitSet,
    other: std::collections::HashSet<i64, foldhash::fast::RandomState>,
    len: u64,
}

impl IdSet {
    /// Insert `id`; true if it was not there.
    pub fn insert(&mut self, id: i64) -> bool {
        // At most 64 bits (8 bytes, less than a hash set entry) per id inserted, plus 2^20.
        let budget = (1u64 << 20)
            .saturating_add(64u64.saturating_mul(self.len + 1))
            .min(u32::MAX as u64);
        let new = match u64::try_from(id) {
            // An id below the budget now might have gone to `other` earlier, when the budget was smaller.
            Ok(i) if i < budget && !self.other.contains(&id) => self.direct.insert(i as u32),
            _ => self.other.insert(id),
        };
        self.len += new as u64;
        new
    }

    pub fn contains(&self, id: i64) -> bool {
        u32::try_from(id).is_ok_and(|i| self.direct.contains(i)) || self.other.contains(&id)
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap as StdMap;

    #[test]
    fn indexes_any_ids_in_first_sight_order() {
        let ids = [
            5i64,
            1,
            5,
            -3,
            i64::MAX,
            i64::MIN,
            1 << 40,
            70_000,
            3,
            70_000,
            1,
            2_000_000,
        ];
        let mut ix = IdIndex::new();
        let mut reference: StdMap<i64, u32> = StdMap::new();
        for &id in &ids {
            let next = reference.len() as u32;
            let want = *reference.entry(id).or_insert(next);
            assert_eq!(ix.index(id), want, "id {id}");
        }
        assert_eq!(ix.len(), reference.len());
        for (&id, &k) in &reference {
            assert_eq!(ix.get(id), Some(k));
        }
        assert_eq!(ix.get(4), None);
        assert_eq!(ix.get(-1), None);
        assert_eq!(ix.get(1 << 41), None);
    }

    #[test]
    fn dense_ids_use_the_direct_table_and_sparse_ones_the_map() {
        let mut ix = IdIndex::new();
        for id in 1..=100_000i64 {
            ix.index(id * 5);
        }
        assert!(ix.map.is_empty());
        assert!(ix.direct.len() as u64 <= DIRECT_MIN + DIRECT_PER_ID * 100_000);
        let mut sparse = IdIndex::new();
        for id in 0..1000i64 {
            sparse.index(id << 32);
        }
        assert_eq!(sparse.len(), 1000);
        assert!(sparse.direct.len() <= 1024 && sparse.map.len() == 999);
        assert_eq!(sparse.get(999 << 32), Some(999));
    }

    #[test]
    fn idset_is_a_set_of_any_ids() {
        let mut set = IdSet::default();
        let mut reference = std::collections::HashSet::new();
        let ids = (0..5000i64).map(|k| (k * 7919) % 100_003).chain([
            -1,
            i64::MIN,
            i64::MAX,
            1 << 40,
            50_000_000,
            3,
            3,
            50_000_000,
        ]);
        for id in ids {
            assert_eq!(set.insert(id), reference.insert(id), "id {id}");
        }
        assert_eq!(set.len(), reference.len() as u64);
        for id in -5..200_000i64 {
            assert_eq!(set.contains(id), reference.contains(&id), "id {id}");
        }
        assert!(set.contains(i64::MIN) && set.contains(1 << 40) && !set.contains(1 << 41));
    }

    #[test]
    fn bitset_counts_distinct_members() {
        let mut b = BitSet::default();
        assert!(b.insert(3));
        assert!(!b.insert(3));
        assert!(b.insert(1000));
        assert!(b.contains(1000) && b.contains(3) && !b.contains(4) && !b.contains(1 << 20));
        assert_eq!(b.len(), 2);
    }
}

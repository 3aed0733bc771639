//! The memo of passed values: records come grouped by user, and most values repeat the last
//! record's, so a value whose bytes already passed a check passes it again without a look.

/// The last bytes of each field that passed a check. The checks remembered this way are pure
/// functions of the field's bytes (and of the file's item and revision, which do not change
/// within a file), so bytes equal to the remembered ones pass again: the check is skipped.
/// Only passes are remembered, and only the last one per field, which is what repeats in files
/// grouped by user.
pub(super) struct Seen {
    last: Vec<Option<Vec<u8>>>,
}

impl Seen {
    pub(super) fn new(fields: usize) -> Seen {
        // With no slots nothing is remembered (the tests compare that with the memo).
        let fields = if memo_off() { 0 } else { fields };
        Seen {
            last: vec![None; fields],
        }
    }

    /// Whether field `i`'s last remembered pass had these bytes.
    #[inline]
    pub(super) fn hit(&self, i: usize, bytes: &[u8]) -> bool {
        matches!(self.last.get(i), Some(Some(b)) if same_bytes(b, bytes))
    }

    /// Remembers that field `i` passed with these bytes; `true`, for use in conditions.
    pub(super) fn remember(&mut self, i: usize, bytes: &[u8]) -> bool {
        if let Some(slot) = self.last.get_mut(i) {
            let b = slot.get_or_insert_with(Vec::new);
            b.clear();
            b.extend_from_slice(bytes);
        }
        true
    }
}

#[cfg(test)]
thread_local! {
    /// Turns [`Seen`] off on this thread, for the tests.
    pub(super) static MEMO_OFF: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn memo_off() -> bool {
    MEMO_OFF.with(std::cell::Cell::get)
}

#[cfg(not(test))]
fn memo_off() -> bool {
    false
}

/// `a == b`, eight bytes at a time and without a call: the values compared are short.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let word = |c: &[u8]| u64::from_le_bytes(<[u8; 8]>::try_from(c).unwrap_or_default());
    // The whole words, then the last eight bytes (overlapping the last whole word).
    a.chunks_exact(8)
        .zip(b.chunks_exact(8))
        .all(|(x, y)| word(x) == word(y))
        && word(&a[n - 8..]) == word(&b[n - 8..])
}

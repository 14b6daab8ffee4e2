//! Deterministic pseudo-random splitting, to feed a parser the same bytes in many different
//! reads without a random-number crate.

/// xorshift64*: tiny, fast, and reproducible from its seed.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator for `seed` (0 is replaced, as xorshift would stay at 0 forever).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `1..=max` (`max` at least 1).
    pub fn between_1_and(&mut self, max: usize) -> usize {
        let max = max.max(1) as u64;
        (self.next_u64() % max) as usize + 1
    }
}

/// `bytes` cut into pieces of 1 to `max_len` bytes, chosen by `seed`. The pieces, joined,
/// are `bytes` again.
pub fn random_chunks(bytes: &[u8], seed: u64, max_len: usize) -> Vec<&[u8]> {
    let mut rng = XorShift::new(seed);
    let mut pieces = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (piece, tail) = rest.split_at(rng.between_1_and(max_len).min(rest.len()));
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_rejoin_and_depend_on_the_seed() {
        let bytes: Vec<u8> = (0..=255).collect();
        let a = random_chunks(&bytes, 1, 9);
        assert_eq!(a.concat(), bytes);
        assert!(a.iter().all(|p| (1..=9).contains(&p.len())));
        assert_eq!(a, random_chunks(&bytes, 1, 9), "reproducible");
        assert_ne!(a, random_chunks(&bytes, 2, 9));
    }
}

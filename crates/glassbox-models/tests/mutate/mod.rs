//! Byte-level mutations of valid files for the mutation property tests: flips, truncations,
//! deletions, duplications, nasty numbers in place of number tokens, and big binary words (for
//! the length fields of binary headers). The same kinds of change as the fuzzers in `fuzz/`,
//! under a fixed seed so CI is reproducible.

#![allow(dead_code)]

use proptest::prelude::*;

#[derive(Clone, Debug)]
pub enum Mutation {
    Flip {
        at: usize,
        byte: u8,
    },
    Truncate {
        at: usize,
    },
    Delete {
        at: usize,
        len: usize,
    },
    Duplicate {
        at: usize,
        len: usize,
        to: usize,
    },
    /// Replace the n-th number-like token by one of [`NASTY`].
    Number {
        nth: usize,
        which: usize,
    },
    /// Overwrite 4 bytes with one of [`WORDS`] (little- or big-endian).
    Word {
        at: usize,
        which: usize,
        big: bool,
    },
}

pub const NASTY: &[&str] = &[
    "-1",
    "0",
    "1",
    "2",
    "-2",
    "7",
    "255",
    "65536",
    "-2147483648",
    "4294967295",
    "18446744073709551615",
    "1000000000000",
    "10000000",
    "1e308",
    "-1e308",
    "1e400",
    "NaN",
    "inf",
    "-0",
    "0.5",
    "99999999999999999999",
    "3",
    "-3",
    "1e-36",
];

pub const WORDS: &[u32] = &[
    0,
    1,
    0x7fff_ffff,
    0xffff_ffff,
    0x0001_0000,
    0x8000_0000,
    46341,
];

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<prop::sample::Index>();
    prop_oneof![
        (pos.clone(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip {
            at: i.index(1 << 20),
            byte: b
        }),
        pos.clone().prop_map(|i| Mutation::Truncate {
            at: i.index(1 << 20)
        }),
        (pos.clone(), 1usize..64).prop_map(|(i, len)| Mutation::Delete {
            at: i.index(1 << 20),
            len
        }),
        (pos.clone(), 1usize..64, pos.clone()).prop_map(|(i, len, j)| Mutation::Duplicate {
            at: i.index(1 << 20),
            len,
            to: j.index(1 << 20)
        }),
        (pos.clone(), 0..NASTY.len()).prop_map(|(i, which)| Mutation::Number {
            nth: i.index(1 << 20),
            which
        }),
        (pos, 0..WORDS.len(), any::<bool>()).prop_map(|(i, which, big)| Mutation::Word {
            at: i.index(1 << 20),
            which,
            big
        }),
    ]
}

pub fn apply(mut b: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let n = b.len().max(1);
    match *m {
        Mutation::Flip { at, byte } => {
            if !b.is_empty() {
                b[at % n] = byte;
            }
        }
        Mutation::Truncate { at } => b.truncate(at % n),
        Mutation::Delete { at, len } => {
            let s = at % n;
            let e = (s + len).min(b.len());
            b.drain(s.min(e)..e);
        }
        Mutation::Duplicate { at, len, to } => {
            let s = at % n;
            let e = (s + len).min(b.len());
            let piece: Vec<u8> = b[s.min(e)..e].to_vec();
            let t = (to % n).min(b.len());
            b.splice(t..t, piece);
        }
        Mutation::Number { nth, which } => {
            // Number-like tokens: maximal runs of [0-9.eE+-] starting with a digit.
            let is_num = |c: u8| c.is_ascii_digit() || b".eE+-".contains(&c);
            let mut spans = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let s = i;
                    while i < b.len() && is_num(b[i]) {
                        i += 1;
                    }
                    spans.push((s, i));
                } else {
                    i += 1;
                }
            }
            if !spans.is_empty() {
                let (s, e) = spans[nth % spans.len()];
                b.splice(s..e, NASTY[which].bytes());
            }
        }
        Mutation::Word { at, which, big } => {
            if b.len() >= 4 {
                let s = at % (b.len() - 3);
                let w = WORDS[which];
                let bytes = if big {
                    w.to_be_bytes()
                } else {
                    w.to_le_bytes()
                };
                b[s..s + 4].copy_from_slice(&bytes);
            }
        }
    }
    b
}

/// A fixed-seed proptest configuration with `cases` cases.
pub fn config(cases: u32, seed: u64) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

//! The replay check: a message is taken only if its SEQN is above the one
//! stored for the device; the gap counts the messages lost in between.
//!
//! This is the check on one snapshot of the stored value. Under concurrency
//! the store must repeat it atomically (a conditional `UPDATE`/`INSERT`), as
//! the shipped flows do.

use crate::error::{Error, Result};

/// The largest SEQN: 2^53 − 1, the largest integer JavaScript and JSON
/// readers keep exactly.
pub const MAX_SEQN: u64 = (1 << 53) - 1;

/// What to do with a SEQN that is not above the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Take only a higher SEQN. Replay-safe; the default.
    #[default]
    ForwardOnly,
    /// Take any valid SEQN, as the original article's reset endpoint does.
    /// A captured reset can then be replayed to roll the counter back.
    Any,
}

impl Policy {
    /// The policy's name in options and results.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Policy::ForwardOnly => "forward-only",
            Policy::Any => "any",
        }
    }

    /// Reads a policy name as options give it: `forward-only` or `any`.
    pub fn from_name(name: &str) -> Option<Policy> {
        match name {
            "forward-only" => Some(Policy::ForwardOnly),
            "any" => Some(Policy::Any),
            _ => None,
        }
    }
}

/// A SEQN that passed the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// The SEQN of the message.
    pub seqn: u64,
    /// The SEQN stored before this message.
    pub stored: u64,
    /// Messages missing between the stored SEQN and this one.
    pub lost: u64,
}

/// Reads a SEQN given as a JSON-style number: a non-negative integer up to
/// [`MAX_SEQN`]. `120.0` is `120`, as in JavaScript; `"120"` is not a number.
///
/// # Errors
/// [`Error::BadSeqn`].
pub fn seqn_from_f64(value: f64) -> Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SEQN as f64 {
        Ok(value as u64)
    } else {
        Err(Error::BadSeqn)
    }
}

/// Checks a received SEQN against the stored one under `policy`.
///
/// # Errors
/// [`Error::BadStored`] or [`Error::BadSeqn`] for values out of range;
/// under [`Policy::ForwardOnly`], [`Error::Replay`] for an equal SEQN and
/// [`Error::Stale`] for a lower one.
pub fn check(stored: u64, received: u64, policy: Policy) -> Result<Accepted> {
    if stored > MAX_SEQN {
        return Err(Error::BadStored);
    }
    if received > MAX_SEQN {
        return Err(Error::BadSeqn);
    }
    match (received.checked_sub(stored), policy) {
        (Some(gap), _) if gap > 0 => Ok(Accepted { seqn: received, stored, lost: gap - 1 }),
        (_, Policy::Any) => Ok(Accepted { seqn: received, stored, lost: 0 }),
        (Some(_), Policy::ForwardOnly) => Err(Error::Replay),
        (None, Policy::ForwardOnly) => Err(Error::Stale),
    }
}

//! The hybrid logical clock that orders decisions across devices (SPEC §10):
//! a [`Stamp`] is a wall-clock time in ms and a counter, and every device
//! makes each new stamp greater than every stamp it made or received before —
//! whatever its own clock says (a clock set back, or an hour behind another
//! device's), so a decision made after seeing another is always newer than it.
//!
//! Pure: the device's last stamp is persisted by the store (`sync_device`),
//! read and written in the same transaction as the records it stamps, so it
//! never goes back across restarts either.

use std::fmt;

/// The widest counter a stamp's text holds (6 digits); past it, the wall
/// time moves on by one millisecond instead.
const MAX_COUNTER: u32 = 999_999;

/// The latest wall time a stamp may carry (2255-03-14): far past any real
/// clock, and far enough below the 13 digits' end that a clock moved to it
/// still stamps 13-digit times for ever. A record stamped later is bad input.
pub const MAX_WALL_MS: i64 = 9_000_000_000_000;

/// One hybrid-logical-clock time: wall-clock ms, then a counter for events
/// within (or, after a clock was set back, before) the same ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Stamp {
    /// Milliseconds since the Unix epoch (the largest wall time seen).
    pub wall_ms: i64,
    /// Events at that wall time before this one.
    pub counter: u32,
}

impl Stamp {
    /// The stamp of a record written before stamps existed: its own time.
    pub fn legacy(at_ms: i64) -> Stamp {
        Stamp {
            wall_ms: at_ms,
            counter: 0,
        }
    }

    /// The next stamp a device makes at wall time `now_ms` after `self`
    /// (its last): `now_ms` if that is later, else one more on the counter.
    pub fn tick(self, now_ms: i64) -> Stamp {
        if now_ms > self.wall_ms {
            return Stamp {
                wall_ms: now_ms,
                counter: 0,
            };
        }
        self.after()
    }

    /// The device's last stamp after receiving `remote` at `now_ms`: greater
    /// than both, so that what it stamps next is newer than what it received.
    pub fn receive(self, remote: Stamp, now_ms: i64) -> Stamp {
        let latest = self.max(remote);
        if now_ms > latest.wall_ms {
            return Stamp {
                wall_ms: now_ms,
                counter: 0,
            };
        }
        latest.after()
    }

    /// The smallest stamp after `self`.
    fn after(self) -> Stamp {
        if self.counter >= MAX_COUNTER {
            Stamp {
                wall_ms: self.wall_ms.saturating_add(1),
                counter: 0,
            }
        } else {
            Stamp {
                wall_ms: self.wall_ms,
                counter: self.counter + 1,
            }
        }
    }

    /// Reads the text form `"<13-digit wall ms>-<6-digit counter>"`.
    pub fn parse(text: &str) -> Option<Stamp> {
        let (wall, counter) = text.split_once('-')?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(wall, 13) || !digits(counter, 6) {
            return None;
        }
        let stamp = Stamp {
            wall_ms: wall.parse().ok()?,
            counter: counter.parse().ok()?,
        };
        (stamp.wall_ms <= MAX_WALL_MS).then_some(stamp)
    }
}

/// `"<13-digit wall ms>-<6-digit counter>"`: zero-padded, so that the order of
/// the texts is the order of the stamps (what a backend compares, SPEC §10).
impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:013}-{:06}", self.wall_ms.max(0), self.counter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(wall_ms: i64, counter: u32) -> Stamp {
        Stamp { wall_ms, counter }
    }

    #[test]
    fn a_tick_follows_the_wall_clock_when_it_moves_on() {
        assert_eq!(stamp(100, 4).tick(150), stamp(150, 0));
    }

    #[test]
    fn a_tick_never_goes_back_when_the_wall_clock_does() {
        assert_eq!(stamp(100, 4).tick(100), stamp(100, 5));
        assert_eq!(stamp(100, 4).tick(20), stamp(100, 5));
    }

    #[test]
    fn a_full_counter_moves_the_wall_time_on() {
        assert_eq!(stamp(100, MAX_COUNTER).tick(0), stamp(101, 0));
    }

    /// A device an hour behind, having seen a stamp from an hour ahead, stamps
    /// its next decision after it.
    #[test]
    fn receiving_a_stamp_from_a_clock_ahead_puts_the_next_stamp_after_it() {
        let hour = 3_600_000;
        let mine = stamp(1_000, 0);
        let remote = stamp(1_000 + hour, 7);
        let after = mine.receive(remote, 1_001);
        assert!(after > remote);
        assert!(after.tick(1_002) > remote);
        assert_eq!(mine.receive(stamp(10, 0), 2_000), stamp(2_000, 0));
    }

    #[test]
    fn the_text_sorts_as_the_stamps_and_reads_back() {
        let stamps = [
            stamp(0, 0),
            stamp(9, 999_999),
            stamp(10, 0),
            stamp(1_765_123_456_789, 3),
        ];
        for a in stamps {
            assert_eq!(Stamp::parse(&a.to_string()), Some(a));
            for b in stamps {
                assert_eq!(a.to_string().cmp(&b.to_string()), a.cmp(&b), "{a} {b}");
            }
        }
        assert_eq!(
            stamp(1_765_123_456_789, 3).to_string(),
            "1765123456789-000003"
        );
    }

    #[test]
    fn malformed_texts_are_no_stamps() {
        for text in [
            "",
            "1-2",
            "1765123456789",
            "1765123456789-00003",
            "176512345678x-000003",
            "-1765123456789-000003",
        ] {
            assert_eq!(Stamp::parse(text), None, "{text}");
        }
    }
}

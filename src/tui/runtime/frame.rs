//! The frame clamp: draw only when something changed, and at most once per interval
//! (~60 frames/s). Pure over the instants it is given, so it is tested without a clock.

use std::time::{Duration, Instant};

/// The shortest time between two frames.
pub const MIN_FRAME: Duration = Duration::from_micros(16_667);

#[derive(Clone, Copy, Debug)]
pub struct FrameClamp {
    min: Duration,
    last: Option<Instant>,
}

/// What to do about a pending redraw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    DrawNow,
    /// Too soon: draw at this instant.
    DrawAt(Instant),
}

impl FrameClamp {
    pub fn new(min: Duration) -> FrameClamp {
        FrameClamp { min, last: None }
    }

    /// When the next frame may be drawn, given that one is wanted at `now`.
    pub fn check(&self, now: Instant) -> Frame {
        match self.last {
            Some(last) if now < last + self.min => Frame::DrawAt(last + self.min),
            _ => Frame::DrawNow,
        }
    }

    /// Record that a frame was drawn at `now`.
    pub fn drawn(&mut self, now: Instant) {
        self.last = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_frame_is_immediate_then_clamped() {
        let t0 = Instant::now();
        let mut c = FrameClamp::new(Duration::from_millis(16));
        assert_eq!(c.check(t0), Frame::DrawNow);
        c.drawn(t0);
        assert_eq!(
            c.check(t0 + Duration::from_millis(5)),
            Frame::DrawAt(t0 + Duration::from_millis(16))
        );
        assert_eq!(c.check(t0 + Duration::from_millis(16)), Frame::DrawNow);
        c.drawn(t0 + Duration::from_millis(40));
        assert_eq!(
            c.check(t0 + Duration::from_millis(41)),
            Frame::DrawAt(t0 + Duration::from_millis(56))
        );
    }

    #[test]
    fn a_burst_of_changes_draws_at_most_sixty_times_a_second() {
        let t0 = Instant::now();
        let mut c = FrameClamp::new(MIN_FRAME);
        let mut frames = 0;
        // A change every millisecond for one second.
        for ms in 0..1000u64 {
            let now = t0 + Duration::from_millis(ms);
            if c.check(now) == Frame::DrawNow {
                c.drawn(now);
                frames += 1;
            }
        }
        assert!((59..=61).contains(&frames), "{frames} frames");
    }
}

//! Terminal input on a dedicated thread (crossterm's blocking reader, polled so it can be
//! paused): events go to the loop through a channel. Pausing stops reading while an
//! external program ($EDITOR) owns the terminal, so it gets every key.

use crossterm::event::{self, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long one poll waits: bounds how fast a pause or a stop is noticed.
const POLL: Duration = Duration::from_millis(25);

/// Handle to the reader thread.
pub struct Input {
    paused: Arc<AtomicBool>,
    idle: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Input {
    /// Start reading; events arrive on the returned channel.
    pub fn spawn() -> std::io::Result<(Input, mpsc::UnboundedReceiver<Event>)> {
        let (tx, rx) = mpsc::unbounded_channel();
        let paused = Arc::new(AtomicBool::new(false));
        let idle = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (p, i, s) = (paused.clone(), idle.clone(), stop.clone());
        std::thread::Builder::new()
            .name("hookwatch-input".into())
            .spawn(move || {
                while !s.load(Ordering::SeqCst) {
                    if p.load(Ordering::SeqCst) {
                        i.store(true, Ordering::SeqCst);
                        std::thread::sleep(POLL);
                        continue;
                    }
                    i.store(false, Ordering::SeqCst);
                    match event::poll(POLL) {
                        Ok(true) => match event::read() {
                            Ok(ev) => {
                                if tx.send(ev).is_err() {
                                    return;
                                }
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "cannot read terminal input");
                                return;
                            }
                        },
                        Ok(false) => {}
                        Err(e) => {
                            tracing::error!(error = %e, "cannot poll terminal input");
                            return;
                        }
                    }
                }
            })?;
        Ok((Input { paused, idle, stop }, rx))
    }

    /// Stop reading and wait (briefly) until the thread is idle.
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        let deadline = Instant::now() + POLL * 8;
        while !self.idle.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    pub fn resume(&self) {
        self.idle.store(false, Ordering::SeqCst);
        self.paused.store(false, Ordering::SeqCst);
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

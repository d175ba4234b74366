//! Handlers: what the developer is building (their local app's endpoint, or a script).
//! Deliveries become jobs after the ack; a bounded pool runs them (forward or command),
//! stores every run, retries on a schedule and survives restarts.

pub mod command;
pub mod forward;
pub mod outcome;
pub mod pool;
pub mod resign;
pub mod spec;

pub use pool::{HandlerEvent, Pool};
pub use spec::{Action, Handler, HandlerSpec};

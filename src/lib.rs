//! hookwatch: a terminal dashboard for live webhooks.
//!
//! Module map (data flows one way: receiver -> verify -> store -> notify -> dashboard / NDJSON):
//!
//! * [`delivery`]  the delivery model shared by every layer (raw headers + body, verdict, summary)
//! * [`verify`]    declarative provider profiles, signature schemes, verdicts, signing
//! * [`store`]     SQLite (WAL): schema + migrations, the group-commit writer, queries
//! * [`background`] the class of the threads that must never preempt the receiver
//! * [`receiver`]  the axum router: body limit, verify, commit, answer, notify
//! * [`handlers`]  forward / command handlers: job queue, worker pool, retries, re-runs
//! * [`fixture`]   the fixture file format used by `send`, `--demo`, tests and benchmarks
//! * [`config`]    the TOML config file, data/config dirs, secrets from flags and environment
//! * [`cli`]       clap definitions only
//! * [`cmd`]       one file per subcommand (serve, send, list, export)
//! * [`sender`]    signs fixtures and posts them (send, demo, tests, benchmarks)
//! * [`demo`]      the `--demo` sender's schedule of good and deliberately bad deliveries
//! * [`export`]    a stored delivery as JSON, a byte-exact curl command, or a fixture
//! * [`filter`]    the dashboard's query language: parse -> Filter, matches(); pure
//! * [`tui`]       the dashboard: state + update, runtime loop, panes, keymap, themes

pub mod background;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod delivery;
pub mod demo;
pub mod export;
pub mod filter;
pub mod fixture;
pub mod handlers;
pub mod receiver;
pub mod sender;
pub mod store;
pub mod tui;
pub mod verify;

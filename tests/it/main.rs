//! Integration tests: fixture sites built by the real binary.

mod deploy;
mod errors;
mod feeds;
mod gate;
mod happy;
mod incremental;
mod new;
mod output;
mod serve;
mod snapshots;
mod support;
mod theme;

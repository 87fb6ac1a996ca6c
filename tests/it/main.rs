//! Integration tests: fixture sites built by the real binary.

mod errors;
mod feeds;
mod gate;
mod happy;
mod incremental;
mod new;
mod output;
mod search;
mod serve;
mod snapshots;
mod support;
mod theme;

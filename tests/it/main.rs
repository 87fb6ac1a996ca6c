//! Integration tests: fixture sites built by the real binary.

mod errors;
mod feeds;
mod feedserver;
mod gate;
mod happy;
mod incremental;
mod new;
mod output;
mod pull;
mod serve;
mod snapshots;
mod support;
mod theme;

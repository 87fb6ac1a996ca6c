//! Integration tests: fixture sites built by the real binary.

mod data;
mod deploy;
mod errors;
mod feeds;
mod feedserver;
mod fuzz;
mod gate;
mod happy;
mod hardening;
mod images;
mod incremental;
mod new;
mod output;
mod pull;
mod search;
mod serve;
mod snapshots;
mod support;
mod theme;

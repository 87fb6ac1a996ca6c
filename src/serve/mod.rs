//! `dangjian serve`: the live preview.

pub mod engine;

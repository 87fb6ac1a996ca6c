//! dangjian: a static-site generator for Party-building (党建) news and study material.
//!
//! The pipeline runs one way: [`content::load`] reads `content/`,
//! [`site::Site::build`] makes the read-only model (and holds the one
//! publication gate), [`render::render`] turns it into files handed to a
//! sink, and [`output::Staging`] writes them and swaps them in on success.
//! [`build::build`] runs them all.
//!
//! Items are `pub(crate)` unless `main.rs` or the integration tests use
//! them; what stays public is documented.

#![warn(missing_docs)]

pub mod build;
// The command line's help text is in clap's attributes, in Chinese.
#[allow(missing_docs)]
pub mod cli;
pub mod config;
#[macro_use]
mod console;
pub mod content;
pub mod deploy;
pub mod diagnostic;
mod html;
pub mod images;
pub mod markdown;
pub mod output;
pub mod pull;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod theme;
pub mod time;
mod urlpath;
mod yaml;

pub use build::{BuildError, BuildOptions, BuildReport, build, prepare, render_site};
pub use diagnostic::Diagnostic;

//! Tests through the real `sakip` binary.

mod core;
mod domain;
mod reports;
mod support;

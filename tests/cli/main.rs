//! Tests through the real `sakip` binary.

mod audit;
mod bad_input;
mod bench;
mod core;
mod domain;
mod reports;
mod support;
mod trust;

//! Tests through the real `sakip` binary.

mod audit;
mod core;
mod domain;
mod reports;
mod support;

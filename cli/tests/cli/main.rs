//! Tests through the real `sakip` binary.

mod agency;
mod audit;
mod bad_input;
mod bench;
mod core;
mod domain;
mod readme;
mod reports;
mod support;
mod trust;

//! The workflows every front end runs, over a [`Ledger`](crate::ledger::Ledger):
//! the command line and the web application call these and only render
//! what they return. Each function takes typed input (text as a user typed
//! it where parsing is part of the rule, such as Indonesian numbers and
//! periods), returns typed values, and refuses with a typed
//! [`Error`](crate::Error) whose [`class`](crate::Error::class) a front end
//! maps to an exit code or an HTTP status.

pub mod approvals;
pub mod audit;
pub mod entries;
pub mod events;
pub mod history;
pub mod imports;
pub mod rollup;
pub mod signing;
pub mod status;
pub mod time;

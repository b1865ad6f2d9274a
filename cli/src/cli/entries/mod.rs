//! Commands that append what an agency records: single entries and
//! corrections, batch imports, the head's decisions, retirements.

pub mod approve;
pub mod import;
pub mod record;
pub mod retire;
pub mod template;

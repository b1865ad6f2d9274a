//! Benchmarks of sakip, each figure beside a raw baseline measured in the
//! same run (`sakip bench`, docs/performance.md), and the generator of
//! synthetic agencies they run on. Kept out of the library: it spawns
//! processes, writes scratch stores, and measures sled itself.

pub mod bench;
pub mod core_run;
pub mod measure;
pub mod peer;
pub mod projection_run;
pub mod raw;
pub mod reads;
pub mod synth;

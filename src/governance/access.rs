//! See `super` (governance/mod.rs).

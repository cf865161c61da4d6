//! Access control: roles and grants from `[governance.roles.*]` (`policy`), and the per-role
//! catalogs that enforce them (`catalog`). docs/governance.md describes the behaviour.
//!
//! Enforcement is by construction: a session's catalog contains only the relations its roles may
//! read, with PII columns masked for roles without `pii`, so every way of reaching a relation —
//! direct, view, join, CTE, subquery, table function, `information_schema`, `pg_catalog` — goes
//! through the same filtered catalog. The engine caches one catalog per distinct set of grants.
pub mod catalog;
pub mod policy;

pub use catalog::{MaskedSchema, RolesContext, permission_denied};
pub use policy::{
    Access, AccessPolicy, GOVERNANCE_RELATIONS, PUBLIC_RELATIONS, Privilege, Role,
    governance_relation,
};

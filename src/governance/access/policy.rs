//! Roles and grants: the `[governance.roles.NAME]` sections of the configuration file, the
//! built-in demo grants, and what a set of roles may do.
//!
//! ```toml
//! [governance.roles.planner]
//! description = "Supply planners: stock, orders, forecasts; no customer data."
//! read = ["*", "!customers", "!customer_*"]   # tables and views; `*` matches any run of characters
//! pii = false                                  # see PII columns unmasked
//! privileges = ["planner"]                     # planner, approver, auditor, admin
//! ```
//!
//! A relation is readable by a role when one of the role's `read` patterns matches its name and
//! none of the role's `!` patterns does. A user with several roles gets the union. A role without
//! grants reads nothing (default deny). The role named `admin`, and any role with the `admin`
//! privilege, reads everything unmasked and may run DDL, COPY and engine settings.
//!
//! Governance relations (the audit log, decisions; see `GOVERNANCE_RELATIONS`) are never reached
//! through `read` patterns: they are readable by the privileges listed for them. `aisle_roles`
//! and `aisle_grants` are readable by everybody, like PostgreSQL's `pg_roles`.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;

/// What a role may do beyond reading: record decisions (`planner`), approve high-impact or
/// low-confidence recommendations (`approver`), read the audit log (`auditor`), everything
/// (`admin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Privilege {
    Planner,
    Approver,
    Auditor,
    Admin,
}

impl Privilege {
    pub const ALL: [Privilege; 4] = [
        Privilege::Planner,
        Privilege::Approver,
        Privilege::Auditor,
        Privilege::Admin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Privilege::Planner => "planner",
            Privilege::Approver => "approver",
            Privilege::Auditor => "auditor",
            Privilege::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Privilege> {
        Privilege::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// Relations owned by governance itself, readable by the listed privileges (and admins) only,
/// never through `read` patterns: `read = ["*"]` must not open the audit log.
pub const GOVERNANCE_RELATIONS: &[(&str, &[Privilege])] = &[
    ("aisle_audit*", &[Privilege::Auditor]),
    (
        "decisions",
        &[Privilege::Planner, Privilege::Approver, Privilege::Auditor],
    ),
    (
        "pending_approvals",
        &[Privilege::Planner, Privilege::Approver, Privilege::Auditor],
    ),
    (
        "approved_actions",
        &[Privilege::Planner, Privilege::Approver, Privilege::Auditor],
    ),
];

/// Relations every logged-in user may read (the role catalog views).
pub const PUBLIC_RELATIONS: &[&str] = &["aisle_roles", "aisle_grants"];

/// Relations governance registers after the engine opens (so the start-up check of grants
/// cannot see them yet), granted by `read` like any table or view.
pub const LATE_RELATIONS: &[&str] = &["recommendation_runs", "forecast_monitoring"];

/// The privileges that may read a governance relation, if `name` is one.
pub fn governance_relation(name: &str) -> Option<&'static [Privilege]> {
    GOVERNANCE_RELATIONS
        .iter()
        .find(|(pattern, _)| glob_match(pattern, name))
        .map(|(_, p)| *p)
}

/// One role as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub description: String,
    /// Patterns as written (`name`, `prefix_*`, `!name`).
    pub read: Vec<String>,
    pub pii: bool,
    pub privileges: BTreeSet<Privilege>,
}

impl Role {
    pub fn is_admin(&self) -> bool {
        self.name == "admin" || self.privileges.contains(&Privilege::Admin)
    }

    /// Whether this role's patterns grant `relation` (ignores governance relations).
    pub fn grants(&self, relation: &str) -> bool {
        let mut yes = false;
        for p in &self.read {
            if let Some(neg) = p.strip_prefix('!') {
                if glob_match(neg, relation) {
                    return false;
                }
            } else if glob_match(p, relation) {
                yes = true;
            }
        }
        yes
    }
}

/// `[governance.roles.NAME]` as written in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    #[serde(default)]
    description: String,
    #[serde(default)]
    read: Vec<String>,
    #[serde(default)]
    pii: bool,
    #[serde(default)]
    privileges: Vec<String>,
}

/// Every configured role.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPolicy {
    roles: BTreeMap<String, Role>,
}

fn valid_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn valid_pattern(s: &str) -> bool {
    let s = s.strip_prefix('!').unwrap_or(s);
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '*')
}

/// `*` matches any run of characters (also none); everything else matches itself.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative wildcard matching with backtracking to the last star.
    let (mut i, mut j) = (0usize, 0usize);
    let (mut star, mut mark) = (None::<usize>, 0usize);
    while j < n.len() {
        if i < p.len() && p[i] != '*' && p[i] == n[j] {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    while i < p.len() && p[i] == '*' {
        i += 1;
    }
    i == p.len()
}

impl AccessPolicy {
    /// No roles: everybody but `admin` reads nothing.
    pub fn deny_all() -> AccessPolicy {
        AccessPolicy::default()
    }

    /// Parse the `roles` sub-table of `[governance]`. Other keys of `[governance]` belong to
    /// other parts of governance (audit, decisions) and are parsed there.
    pub fn from_governance(governance: Option<&toml::Table>) -> anyhow::Result<AccessPolicy> {
        let Some(roles) = governance.and_then(|g| g.get("roles")) else {
            return Ok(AccessPolicy::default());
        };
        let roles = roles.as_table().ok_or_else(|| {
            anyhow!(
                "[governance] roles must be a table of roles, e.g. [governance.roles.planner] \
                 with read = [\"daily_sales\"]"
            )
        })?;
        let mut out = AccessPolicy::default();
        for (name, value) in roles {
            let spec: RoleSpec = value.clone().try_into().map_err(|e| {
                anyhow!(
                    "[governance.roles.{name}]: {e}. Valid keys: description, read, pii, privileges"
                )
            })?;
            out.add(name, spec)
                .with_context(|| format!("[governance.roles.{name}]"))?;
        }
        Ok(out)
    }

    fn add(&mut self, name: &str, spec: RoleSpec) -> anyhow::Result<()> {
        if !valid_role_name(name) {
            bail!(
                "invalid role name `{name}`: use lower-case letters, digits and underscores \
                 (at most 63 characters)"
            );
        }
        for p in &spec.read {
            if !valid_pattern(p) {
                bail!(
                    "invalid read entry `{p}`: write a table or view name in lower case, \
                     optionally with `*` wildcards, or `!pattern` to exclude"
                );
            }
        }
        let mut privileges = BTreeSet::new();
        for p in &spec.privileges {
            let priv_ = Privilege::parse(p).ok_or_else(|| {
                anyhow!(
                    "unknown privilege `{p}`: valid privileges are {}",
                    Privilege::ALL.map(|p| p.name()).join(", ")
                )
            })?;
            privileges.insert(priv_);
        }
        self.roles.insert(
            name.to_string(),
            Role {
                name: name.to_string(),
                description: spec.description,
                read: spec.read,
                pii: spec.pii,
                privileges,
            },
        );
        Ok(())
    }

    /// The demo grants of `aisle serve --demo` (README and docs/governance.md list them).
    pub fn demo() -> AccessPolicy {
        let mut p = AccessPolicy::default();
        let role = |desc: &str, read: &[&str], pii: bool, privs: &[&str]| RoleSpec {
            description: desc.to_string(),
            read: read.iter().map(|s| s.to_string()).collect(),
            pii,
            privileges: privs.iter().map(|s| s.to_string()).collect(),
        };
        let planning: &[&str] = &["*", "!customers", "!customer_*"];
        let specs = [
            (
                "admin",
                role(
                    "Everything: all relations unmasked, DDL, COPY, files, engine settings.",
                    &["*"],
                    true,
                    &["admin"],
                ),
            ),
            (
                "planner",
                role(
                    "Supply planners: every table and view except customer-level data; records decisions.",
                    planning,
                    false,
                    &["planner"],
                ),
            ),
            (
                "approver",
                role(
                    "Approvers: what planners read; records and approves high-impact decisions.",
                    planning,
                    false,
                    &["planner", "approver"],
                ),
            ),
            (
                "analyst",
                role(
                    "Analysts: every table and view, PII columns masked (NULL).",
                    &["*"],
                    false,
                    &[],
                ),
            ),
            (
                "auditor",
                role(
                    "Auditors: the audit log, decisions and forecast monitoring; no business data.",
                    &["forecast_monitoring"],
                    false,
                    &["auditor"],
                ),
            ),
        ];
        for (name, spec) in specs {
            p.add(name, spec).expect("demo roles are valid");
        }
        p
    }

    /// Add the demo roles this policy does not define (config wins over the demo grants).
    pub fn with_demo_defaults(mut self) -> AccessPolicy {
        for (name, role) in AccessPolicy::demo().roles {
            self.roles.entry(name).or_insert(role);
        }
        self
    }

    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Exact (wildcard-free) read entries naming relations that do not exist: `(role, name)`.
    pub fn unknown_relations(&self, exists: impl Fn(&str) -> bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for r in self.roles.values() {
            // Exclusions may name relations that do not exist: they only ever take away.
            for name in r.read.iter().filter(|p| !p.starts_with('!')) {
                if !name.contains('*')
                    && governance_relation(name).is_none()
                    && !PUBLIC_RELATIONS.contains(&name.as_str())
                    && !LATE_RELATIONS.contains(&name.as_str())
                    && !exists(name)
                {
                    out.push((r.name.clone(), name.to_string()));
                }
            }
        }
        out
    }

    /// What a user with `user_roles` may do. Roles that are not configured grant nothing
    /// (except `admin`, which is always everything).
    pub fn effective(&self, user_roles: &[String]) -> Access {
        let mut roles: Vec<Role> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for r in user_roles {
            names.insert(r.clone());
            match self.roles.get(r) {
                Some(role) => roles.push(role.clone()),
                None if r == "admin" => roles.push(Role {
                    name: "admin".into(),
                    description: String::new(),
                    read: vec!["*".into()],
                    pii: true,
                    privileges: [Privilege::Admin].into(),
                }),
                None => {}
            }
        }
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        roles.dedup_by(|a, b| a.name == b.name);
        let admin = roles.iter().any(Role::is_admin);
        let pii = admin || roles.iter().any(|r| r.pii);
        let mut privileges: BTreeSet<Privilege> = roles
            .iter()
            .flat_map(|r| r.privileges.iter().copied())
            .collect();
        if admin {
            privileges.extend(Privilege::ALL);
        }
        Access {
            user_roles: names.into_iter().collect(),
            roles,
            admin,
            pii,
            privileges,
        }
    }
}

/// The effective access of one user (the union of the user's configured roles).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    /// Role names as given for the user (configured or not), sorted.
    pub user_roles: Vec<String>,
    /// The configured roles among them.
    pub roles: Vec<Role>,
    pub admin: bool,
    pub pii: bool,
    pub privileges: BTreeSet<Privilege>,
}

impl Access {
    pub fn has(&self, p: Privilege) -> bool {
        self.admin || self.privileges.contains(&p)
    }

    /// Whether the user may read the table or view `relation` (a name in the `public` schema).
    pub fn can_read(&self, relation: &str) -> bool {
        if self.admin {
            return true;
        }
        if PUBLIC_RELATIONS.contains(&relation) {
            return true;
        }
        if let Some(privs) = governance_relation(relation) {
            return privs.iter().any(|p| self.privileges.contains(p));
        }
        self.roles.iter().any(|r| r.grants(relation))
    }

    /// Key of the catalog this access sees: equal keys see the same relations with the same masks.
    pub fn catalog_key(&self) -> String {
        let mut k = format!("pii={};", self.pii);
        for r in &self.roles {
            k.push_str(&r.name);
            k.push('[');
            k.push_str(&r.read.join(","));
            k.push_str("]:");
            for p in &r.privileges {
                k.push_str(p.name());
                k.push(',');
            }
            k.push(';');
        }
        k
    }
}

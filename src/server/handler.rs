//! Per-connection handlers: login, the simple and extended query protocols, cursors.
use std::collections::HashMap;
use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement as DFStatement;
use futures::{Sink, SinkExt};
use parking_lot::Mutex;
use pgwire::api::auth::{
    StartupHandler, protocol_negotiation, save_startup_parameters_to_metadata,
};
use pgwire::api::cancel::CancelHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler, send_describe_response};
use pgwire::api::results::{
    DescribePortalResponse, DescribeResponse, DescribeStatementResponse, FieldInfo, Tag,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{
    ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState, PgWireServerHandlers, Type,
};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::cancel::CancelRequest;
use pgwire::messages::extendedquery::{
    Close, CloseComplete, Describe, Execute, PortalSuspended, Sync as PgSync,
    TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery, TransactionStatus};
use pgwire::messages::simplequery::Query;
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion};
use tokio_util::sync::CancellationToken;

use super::config::ServerConfig;
use super::metrics::Metrics;
use super::pgcompat;
use super::scram::{self, ScramError, ServerExchange, Verifier};
use super::session::Settings;
use super::sqlstate::{self, PgError};
use super::statement::{Command, SqlParser, TagKind, is_privileged, tag_for};
use super::stream::{QueryCtl, RowStream, pg_fields};
use crate::engine::Engine;

/// State shared by all connections of one server.
pub struct ServerState {
    pub engine: Arc<Engine>,
    pub cfg: ServerConfig,
    pub users: HashMap<String, (Verifier, Vec<String>)>,
    /// Secret for decoy verifiers of unknown users.
    pub secret: [u8; 32],
    pub metrics: Arc<Metrics>,
    pub parser: SqlParser,
    /// pid -> (secret key, cancel slot)
    pub registry: Mutex<HashMap<i32, (SecretKey, Weak<CancelSlot>)>>,
    /// Sessions past the startup message (counted against max_connections).
    pub sessions: AtomicUsize,
    pub next_pid: AtomicI32,
    /// Stop accepting new sessions.
    pub draining: CancellationToken,
    /// Cancel every running statement (end of the shutdown grace period).
    pub kill: CancellationToken,
    pub catalog_name: String,
}

impl std::fmt::Debug for ServerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerState").finish_non_exhaustive()
    }
}

/// The running statement of a connection, for CancelRequest.
#[derive(Default, Debug)]
pub struct CancelSlot {
    current: Mutex<Option<CancellationToken>>,
}

impl CancelSlot {
    fn begin(&self, parent: &CancellationToken) -> CancellationToken {
        let t = parent.child_token();
        *self.current.lock() = Some(t.clone());
        t
    }
    fn end(&self) {
        *self.current.lock() = None;
    }
    pub fn is_running(&self) -> bool {
        self.current.lock().is_some()
    }
    pub fn cancel(&self) -> bool {
        match self.current.lock().as_ref() {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }
}

/// One logged-in session.
pub struct Session {
    pub ctx: SessionContext,
    pub user: String,
    pub roles: Vec<String>,
    /// What the roles may read and do (governance::access); the session's catalog enforces it.
    pub access: Arc<crate::governance::access::Access>,
    pub settings: Arc<Mutex<Settings>>,
    base_config: SessionConfig,
    /// Extended-protocol portals that were executed and suspended.
    portals: Mutex<HashMap<String, PortalRun>>,
    /// SQL cursors (DECLARE).
    cursors: tokio::sync::Mutex<HashMap<String, Cursor>>,
}

impl Session {
    pub fn is_admin(&self) -> bool {
        self.access.admin
    }
}

struct Cursor {
    rows: RowStream,
    hold: bool,
}

#[derive(Clone)]
struct PortalRun {
    portal: Arc<Portal<Arc<Prepared>>>,
    rows: Arc<tokio::sync::Mutex<RowStream>>,
    sql: Arc<str>,
}

/// A parsed (and, for DataFusion statements, planned) statement.
#[derive(Debug)]
pub struct Prepared {
    pub sql: String,
    pub command: Command,
    /// DataFusion plan with `$n` placeholders.
    pub plan: Option<LogicalPlan>,
    pub param_types: Vec<Option<DataType>>,
}

enum AuthPhase {
    AwaitStartup,
    AwaitInitial { verifier: Verifier, doomed: bool },
    AwaitFinal { exchange: ServerExchange },
    Done,
}

/// One client connection. Created per TCP connection, so handshake state never leaks between
/// clients.
pub struct Conn {
    server: Arc<ServerState>,
    pid: i32,
    secret: Mutex<Option<SecretKey>>,
    auth: tokio::sync::Mutex<AuthPhase>,
    session: OnceLock<Arc<Session>>,
    cancel: Arc<CancelSlot>,
    counted: AtomicBool,
    parser: Arc<ConnParser>,
    pub peer: SocketAddr,
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.counted.load(Ordering::SeqCst) {
            self.server.sessions.fetch_sub(1, Ordering::SeqCst);
            self.server.metrics.connections_active.dec();
        }
        self.server.registry.lock().remove(&self.pid);
    }
}

/// The pgwire handler set for one connection.
pub struct ConnHandlers {
    pub conn: Arc<Conn>,
    pub cancel: Arc<CancelByKey>,
}

impl PgWireServerHandlers for ConnHandlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.conn.clone()
    }
    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.conn.clone()
    }
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.conn.clone()
    }
    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// CancelRequest: find the connection by pid and secret key and cancel its statement.
#[derive(Debug)]
pub struct CancelByKey {
    pub server: Arc<ServerState>,
}

#[async_trait]
impl CancelHandler for CancelByKey {
    async fn on_cancel_request(&self, req: CancelRequest) {
        let slot = {
            let reg = self.server.registry.lock();
            match reg.get(&req.pid) {
                Some((key, slot)) if key.eq_value(&req.secret_key) => slot.upgrade(),
                _ => None,
            }
        };
        match slot {
            Some(slot) => {
                let hit = slot.cancel();
                tracing::info!(pid = req.pid, running = hit, "cancel request");
            }
            None => tracing::debug!(pid = req.pid, "cancel request for unknown backend"),
        }
    }
}

impl Conn {
    pub fn new(server: Arc<ServerState>, peer: SocketAddr) -> Arc<Conn> {
        let pid = server.next_pid.fetch_add(1, Ordering::SeqCst);
        Arc::new_cyclic(|weak: &Weak<Conn>| Conn {
            server,
            pid,
            secret: Mutex::new(None),
            auth: tokio::sync::Mutex::new(AuthPhase::AwaitStartup),
            session: OnceLock::new(),
            cancel: Arc::new(CancelSlot::default()),
            counted: AtomicBool::new(false),
            parser: Arc::new(ConnParser { conn: weak.clone() }),
            peer,
        })
    }

    fn session(&self) -> PgWireResult<Arc<Session>> {
        self.session
            .get()
            .cloned()
            .ok_or_else(|| PgError::new(sqlstate::PROTOCOL_VIOLATION, "not logged in").into_fatal())
    }

    fn new_ctl(&self, session: &Session) -> QueryCtl {
        let token = self.cancel.begin(&self.server.kill);
        let deadline = session
            .settings
            .lock()
            .statement_timeout()
            .map(|d| Instant::now() + d);
        QueryCtl {
            token,
            deadline,
            shutdown: self.server.kill.clone(),
        }
    }

    // ----- login -----

    async fn fail_login<C>(&self, client: &mut C, reason: &str, e: PgError) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let _ = client;
        self.server.metrics.refused(reason);
        tracing::info!(peer = %self.peer, reason, code = %e.code, "login refused: {}", e.message);
        Err(e.into_fatal())
    }

    async fn finish_login<C>(&self, client: &mut C, user: String) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let roles = self
            .server
            .users
            .get(&user)
            .map(|u| u.1.clone())
            .unwrap_or_default();
        let access = Arc::new(self.server.engine.access_for(&roles));
        let ctx = self.server.engine.new_session_for(&access);
        // Who runs statements, for governance tables that check roles on every access path:
        // the user's roles plus the privileges they carry (planner, approver, auditor, admin).
        let mut caller_roles = roles.clone();
        caller_roles.extend(access.privileges.iter().map(|p| p.name().to_string()));
        if access.admin {
            caller_roles.push("admin".into());
        }
        ctx.state_ref().write().config_mut().set_extension(Arc::new(
            crate::governance::service::Caller {
                user: user.clone(),
                roles: caller_roles,
            },
        ));
        let superuser = access.admin;
        let mut settings = Settings::new(
            &user,
            superuser,
            client.is_secure(),
            self.server.cfg.max_connections,
        );
        if self.server.cfg.statement_timeout_ms > 0 {
            let _ = settings.set(
                "statement_timeout",
                &self.server.cfg.statement_timeout_ms.to_string(),
            );
        }
        let startup: std::collections::BTreeMap<String, String> = client
            .metadata()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        settings.apply_startup(&startup);
        let settings = Arc::new(Mutex::new(settings));
        let setup = (|| -> datafusion::error::Result<()> {
            pgcompat::install_catalog(
                &ctx,
                &self.server.catalog_name,
                crate::governance::access::RolesContext::new(
                    self.server.engine.access_policy().clone(),
                ),
            )?;
            pgcompat::install_session(&ctx, &self.server.catalog_name)?;
            Ok(())
        })();
        if let Err(e) = setup {
            return self
                .fail_login(
                    client,
                    "internal",
                    PgError::new(sqlstate::INTERNAL_ERROR, e.to_string()),
                )
                .await;
        }
        pgcompat::register_session_functions(
            &ctx,
            pgcompat::SessionFacts {
                user: user.clone(),
                pid: self.pid,
                database: self.server.cfg.database.clone(),
                settings: settings.clone(),
            },
        );
        let base_config = ctx.state().config().clone();
        let session = Arc::new(Session {
            ctx,
            user: user.clone(),
            roles,
            access,
            settings: settings.clone(),
            base_config,
            portals: Mutex::new(HashMap::new()),
            cursors: tokio::sync::Mutex::new(HashMap::new()),
        });
        let _ = self.session.set(session);

        let secret = match client.protocol_version() {
            ProtocolVersion::PROTOCOL3_0 => SecretKey::I32(rand::random::<i32>()),
            _ => SecretKey::Bytes(bytes::Bytes::from(rand::random::<[u8; 32]>().to_vec())),
        };
        client.set_pid_and_secret_key(self.pid, secret.clone());
        *self.secret.lock() = Some(secret.clone());
        self.server
            .registry
            .lock()
            .insert(self.pid, (secret.clone(), Arc::downgrade(&self.cancel)));

        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        let reported = settings.lock().reported();
        for (k, v) in reported {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                    k, v,
                )))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                self.pid, secret,
            )))
            .await?;
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                TransactionStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        self.server.metrics.connections_total.inc();
        tracing::info!(pid = self.pid, user = %user, peer = %self.peer, tls = client.is_secure(), "session started");
        Ok(())
    }

    // ----- statements -----

    /// Every statement passes through here before it runs: the place for grants and audit.
    fn authorize(&self, session: &Session, command: &Command) -> Result<(), PgError> {
        let denied = |what: &str| {
            PgError::new(
                sqlstate::INSUFFICIENT_PRIVILEGE,
                format!("permission denied: only admins may run {what}"),
            )
            .with_detail(format!(
                "user \"{}\" has roles [{}]",
                session.user,
                session.roles.join(", ")
            ))
        };
        if session.is_admin() {
            return Ok(());
        }
        match command {
            Command::Sql(stmt) | Command::Declare { query: stmt, .. } => {
                match is_privileged(stmt) {
                    Some(what) => Err(denied(what)),
                    None => Ok(()),
                }
            }
            Command::CopyOut(_) | Command::CopyRefused(_) => Err(denied("COPY")),
            Command::SetEngine { name, .. } => {
                let n = name.to_ascii_lowercase();
                let allowed = [
                    "datafusion.execution.",
                    "datafusion.optimizer.",
                    "datafusion.explain.",
                    "datafusion.sql_parser.",
                    "datafusion.format.",
                ]
                .iter()
                .any(|p| n.starts_with(p));
                if allowed {
                    Ok(())
                } else {
                    Err(denied(&format!("SET {name}")))
                }
            }
            _ => Ok(()),
        }
    }

    /// Parse and plan one command.
    async fn prepare(
        &self,
        session: &Session,
        sql: &str,
        command: Command,
    ) -> Result<Prepared, PgError> {
        self.authorize(session, &command)?;
        let plan = match &command {
            Command::Sql(stmt) => {
                if sql.contains("_description") && pgcompat::comments().has_any() {
                    learn_comment_oids(&session.ctx).await;
                }
                let state = session.ctx.state();
                let plan = state
                    .statement_to_plan((**stmt).clone())
                    .await
                    .map_err(|e| sqlstate::classify(&e))?;
                Some(plan)
            }
            // Planned like any query, so grants and masks apply.
            Command::CopyOut(c) => Some(
                session
                    .ctx
                    .state()
                    .statement_to_plan((*c.query).clone())
                    .await
                    .map_err(|e| sqlstate::classify(&e))?,
            ),
            _ => None,
        };
        let param_types = match &plan {
            Some(p) => {
                let types = p
                    .get_parameter_types()
                    .map_err(|e| sqlstate::classify(&e))?;
                let mut v: Vec<(usize, Option<DataType>)> = types
                    .into_iter()
                    .filter_map(|(k, t)| {
                        k.trim_start_matches('$')
                            .parse::<usize>()
                            .ok()
                            .map(|i| (i, t))
                    })
                    .collect();
                v.sort_by_key(|x| x.0);
                let n = v.last().map(|x| x.0).unwrap_or(0);
                let mut out = vec![None; n];
                for (i, t) in v {
                    if i >= 1 {
                        out[i - 1] = t;
                    }
                }
                infer_cast_placeholders(p, &mut out);
                out
            }
            None => match &command {
                // Parameters of INSERT INTO decisions are text.
                Command::Decide(ins) => {
                    vec![Some(DataType::Utf8); crate::governance::decisions::placeholder_count(ins)]
                }
                _ => vec![],
            },
        };
        let (plan, param_types) = match (plan, &command) {
            (Some(plan), Command::Sql(stmt)) if param_types.iter().any(|t| t.is_none()) => {
                retype_untyped_params(session, stmt, plan, param_types).await
            }
            (plan, _) => (plan, param_types),
        };
        Ok(Prepared {
            sql: sql.to_string(),
            command,
            plan,
            param_types,
        })
    }

    /// Run a prepared command up to the point where rows can be sent.
    async fn start(
        &self,
        session: &Session,
        prepared: &Prepared,
        portal: Option<&Portal<Arc<Prepared>>>,
        ctl: &QueryCtl,
    ) -> Result<Started, PgError> {
        let done = |tag: &str| {
            Ok(Started::Done {
                tag: tag.to_string(),
                reports: vec![],
                txn: Txn::Keep,
            })
        };
        match &prepared.command {
            Command::Begin => Ok(Started::Done {
                tag: "BEGIN".into(),
                reports: vec![],
                txn: Txn::Begin,
            }),
            Command::Commit => Ok(Started::Done {
                tag: "COMMIT".into(),
                reports: vec![],
                txn: Txn::Commit,
            }),
            Command::Rollback => Ok(Started::Done {
                tag: "ROLLBACK".into(),
                reports: vec![],
                txn: Txn::Rollback,
            }),
            Command::RollbackToSavepoint => Ok(Started::Done {
                tag: "ROLLBACK".into(),
                reports: vec![],
                txn: Txn::Recover,
            }),
            Command::Savepoint => done("SAVEPOINT"),
            Command::Release => done("RELEASE"),
            Command::NoOp(tag) => done(tag),
            Command::Deallocate => done("DEALLOCATE"),
            Command::Set { name, value } => {
                let mut s = session.settings.lock();
                let reports = match value {
                    Some(v) => s.set(name, v)?,
                    None => s.reset(name)?,
                };
                Ok(Started::Done {
                    tag: "SET".into(),
                    reports,
                    txn: Txn::Keep,
                })
            }
            Command::Reset(name) => {
                let reports = match name {
                    Some(n) => session.settings.lock().reset(n)?,
                    None => {
                        reset_engine_config(session);
                        session.settings.lock().reset_all()
                    }
                };
                Ok(Started::Done {
                    tag: "RESET".into(),
                    reports,
                    txn: Txn::Keep,
                })
            }
            Command::DiscardAll => {
                reset_engine_config(session);
                let reports = session.settings.lock().reset_all();
                session.cursors.lock().await.clear();
                session.portals.lock().clear();
                Ok(Started::Done {
                    tag: "DISCARD ALL".into(),
                    reports,
                    txn: Txn::Keep,
                })
            }
            Command::SetEngine { statement, .. } => {
                let state = session.ctx.state();
                let plan = state
                    .statement_to_plan((**statement).clone())
                    .await
                    .map_err(|e| sqlstate::classify(&e))?;
                session
                    .ctx
                    .execute_logical_plan(plan)
                    .await
                    .map_err(|e| sqlstate::classify(&e))?;
                done("SET")
            }
            Command::Show(name) if name.to_ascii_lowercase().starts_with("datafusion.") => {
                let key = name.to_ascii_lowercase();
                let entries = session.ctx.state().config().options().entries();
                let entry = entries.into_iter().find(|e| e.key == key).ok_or_else(|| {
                    PgError::new(
                        sqlstate::UNDEFINED_OBJECT,
                        format!("unrecognized configuration parameter \"{name}\""),
                    )
                })?;
                Ok(Started::Rows(
                    text_rows(&[key.as_str()], vec![vec![entry.value.unwrap_or_default()]]),
                    "SHOW".into(),
                ))
            }
            Command::Show(name) => {
                let s = session.settings.lock();
                let value = s.get(name).ok_or_else(|| {
                    PgError::new(
                        sqlstate::UNDEFINED_OBJECT,
                        format!("unrecognized configuration parameter \"{name}\""),
                    )
                })?;
                let col = s.display_name(name).to_ascii_lowercase();
                Ok(Started::Rows(
                    text_rows(&[col.as_str()], vec![vec![value]]),
                    "SHOW".into(),
                ))
            }
            Command::ShowAll => {
                let rows = session
                    .settings
                    .lock()
                    .all()
                    .into_iter()
                    .map(|(k, v)| vec![k, v, String::new()])
                    .collect();
                Ok(Started::Rows(
                    text_rows(&["name", "setting", "description"], rows),
                    "SHOW".into(),
                ))
            }
            Command::Declare { name, hold, query } => {
                let mut cursors = session.cursors.lock().await;
                if cursors.contains_key(name) {
                    return Err(PgError::new(
                        sqlstate::DUPLICATE_CURSOR,
                        format!("cursor \"{name}\" already exists"),
                    ));
                }
                let state = session.ctx.state();
                let plan = ctl
                    .guard(async {
                        state
                            .statement_to_plan((**query).clone())
                            .await
                            .map_err(|e| sqlstate::classify(&e))
                    })
                    .await?;
                let rows = self.execute_plan(session, plan, ctl).await?;
                cursors.insert(name.clone(), Cursor { rows, hold: *hold });
                done("DECLARE CURSOR")
            }
            Command::Fetch { name, count, .. } => Ok(Started::Fetch {
                name: name.clone(),
                count: *count,
            }),
            Command::Decide(ins) => {
                let gov = self.governance()?;
                let params = portal.map(|p| p.parameters.clone()).unwrap_or_default();
                let param = |i: usize| -> Result<Option<String>, crate::error::SqlError> {
                    match params.get(i - 1) {
                        Some(Some(b)) => String::from_utf8(b.to_vec()).map(Some).map_err(|_| {
                            crate::error::SqlError::invalid_argument(format!(
                                "parameter ${i} is not UTF-8 text"
                            ))
                        }),
                        Some(None) => Ok(None),
                        None => Err(crate::error::SqlError::new(
                            sqlstate::PROTOCOL_VIOLATION,
                            format!("parameter ${i} was not bound"),
                        )),
                    }
                };
                let inputs = crate::governance::decisions::parse_insert(ins, &param)?;
                let caller = session_caller(session);
                // Returns once the decisions are fsynced: only then is CommandComplete sent.
                let recorded = gov.decisions.decide(&caller, inputs).await?;
                done(&format!("INSERT 0 {}", recorded.len()))
            }
            Command::Refresh(only) => {
                let gov = self.governance()?;
                let caller = session_caller(session);
                // A run snapshots the views as the engine defines them, whatever the caller's
                // grants (the role check is refresh's own).
                let engine = &self.server.engine;
                let m = crate::governance::runs::refresh_from_sql(&gov.runs, engine, &caller, only)
                    .await
                    .map_err(|e| sqlstate::classify(&e))?;
                let rows = m
                    .views
                    .iter()
                    .map(|v| vec![m.run_id.clone(), v.view.clone(), v.rows.to_string()])
                    .collect();
                Ok(Started::Rows(
                    text_rows(&["run_id", "view_name", "rows"], rows),
                    "CALL".into(),
                ))
            }
            Command::Close(name) => {
                let mut cursors = session.cursors.lock().await;
                match name {
                    None => cursors.clear(),
                    Some(n) => {
                        if cursors.remove(n).is_none() {
                            return Err(PgError::new(
                                sqlstate::INVALID_CURSOR_NAME,
                                format!("cursor \"{n}\" does not exist"),
                            ));
                        }
                    }
                }
                done("CLOSE CURSOR")
            }
            Command::CopyRefused(what) => Err(super::copy::refused_error(what)),
            Command::CopyOut(c) => {
                let plan = prepared.plan.clone().ok_or_else(|| {
                    PgError::new(sqlstate::INTERNAL_ERROR, "statement was not planned")
                })?;
                let plan = match portal {
                    Some(p) if !prepared.param_types.is_empty() || !p.parameters.is_empty() => {
                        let params = decode_params(p, &prepared.param_types)?;
                        plan.replace_params_with_values(&params)
                            .map_err(|e| sqlstate::classify(&e))?
                    }
                    _ => plan,
                };
                let run = super::copy::CopyRun::spawn(session.ctx.clone(), plan);
                Ok(Started::Copy(run, c.clone()))
            }
            Command::Sql(stmt) => {
                let plan = prepared.plan.clone().ok_or_else(|| {
                    PgError::new(sqlstate::INTERNAL_ERROR, "statement was not planned")
                })?;
                let plan = match portal {
                    Some(p) if !prepared.param_types.is_empty() || !p.parameters.is_empty() => {
                        let params = decode_params(p, &prepared.param_types)?;
                        plan.replace_params_with_values(&params)
                            .map_err(|e| sqlstate::classify(&e))?
                    }
                    _ => plan,
                };
                match tag_for(stmt) {
                    TagKind::Rows(tag) => {
                        let rows = self.execute_plan(session, plan, ctl).await?;
                        Ok(Started::Rows(rows, tag.to_string()))
                    }
                    TagKind::Count(tag) => {
                        let mut rows = self.execute_plan(session, plan, ctl).await?;
                        let n = rows.count_rows(ctl).await?;
                        Ok(Started::Done {
                            tag: format!("{tag} {n}"),
                            reports: vec![],
                            txn: Txn::Keep,
                        })
                    }
                    TagKind::Done(tag) => {
                        let mut rows = self.execute_plan(session, plan, ctl).await?;
                        rows.count_rows(ctl).await?;
                        Ok(Started::Done {
                            tag,
                            reports: vec![],
                            txn: Txn::Keep,
                        })
                    }
                }
            }
        }
    }

    async fn execute_plan(
        &self,
        session: &Session,
        plan: LogicalPlan,
        ctl: &QueryCtl,
    ) -> Result<RowStream, PgError> {
        let _ = ctl;
        Ok(RowStream::spawn(session.ctx.clone(), plan))
    }

    /// The governance services (audit, runs, decisions), when the server runs them.
    fn governance(&self) -> Result<Arc<crate::governance::service::Governance>, PgError> {
        self.server.cfg.governance.clone().ok_or_else(|| {
            PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "this server runs without governance (no decisions or recommendation runs)",
            )
            .with_hint("Start it with `aisle serve`, which opens the [governance] folders.")
        })
    }

    /// Log, count and audit one finished statement. With `fsync = "commit"` this returns once
    /// the audit record is on disk, before the statement's ReadyForQuery is sent.
    async fn finish(
        &self,
        session: &Session,
        sql: &str,
        started: Instant,
        rows: u64,
        bytes: u64,
        err: Option<&PgError>,
        via: Via,
    ) {
        let code = err.map(|e| e.code.as_str()).unwrap_or("00000");
        let elapsed = started.elapsed();
        if let Some(gov) = &self.server.cfg.governance {
            let started_us = chrono::Utc::now().timestamp_micros() - elapsed.as_micros() as i64;
            let (protocol, params_sha256) = match via {
                Via::Simple => ("simple", None),
                Via::Extended(p) => ("extended", p),
            };
            let application_name = session
                .settings
                .lock()
                .get("application_name")
                .unwrap_or_default();
            let rec = crate::governance::audit::AuditRecord {
                started_us,
                duration_ms: elapsed.as_secs_f64() * 1000.0,
                user: session.user.clone(),
                client_addr: self.peer.to_string(),
                application_name,
                pid: self.pid,
                protocol: protocol.to_string(),
                statement: sql.to_string(),
                params_sha256,
                rows,
                outcome: crate::governance::audit::AuditRecord::outcome_of(code).to_string(),
                sqlstate: code.to_string(),
                error: err.map(|e| e.message.clone()),
            };
            if let Err(e) = gov.audit.append(rec).await {
                tracing::error!(pid = self.pid, error = %e, "statement not audited");
            }
        }
        self.server.metrics.statement(code, elapsed, rows, bytes);
        let text: String = sql.chars().take(200).collect();
        match err {
            None => tracing::info!(
                pid = self.pid, user = %session.user, ms = elapsed.as_secs_f64() * 1000.0,
                rows, sqlstate = code, "statement: {text}"
            ),
            Some(e) => tracing::info!(
                pid = self.pid, user = %session.user, ms = elapsed.as_secs_f64() * 1000.0,
                rows, sqlstate = code, error = %e.message, "statement failed: {text}"
            ),
        }
    }

    /// Send rows of a FETCH from a cursor.
    async fn fetch_cursor<C>(
        &self,
        client: &mut C,
        session: &Session,
        name: &str,
        count: Option<u64>,
        format: &Format,
        describe: bool,
        ctl: &QueryCtl,
    ) -> Result<(usize, usize), PgError>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut cursors = session.cursors.lock().await;
        let cursor = cursors.get_mut(name).ok_or_else(|| {
            PgError::new(
                sqlstate::INVALID_CURSOR_NAME,
                format!("cursor \"{name}\" does not exist"),
            )
        })?;
        let fo = session.settings.lock().format_options();
        let fields = pg_fields(&cursor.rows.schema, format, &fo)?;
        if describe {
            send_row_description(client, &fields).await?;
        }
        let max = match count {
            Some(0) => return Ok((0, 0)),
            Some(n) => n as usize,
            None => 0,
        };
        let before = cursor.rows.bytes_total;
        let fetched = cursor.rows.send(client, &fields, max, ctl).await?;
        Ok((fetched.rows, cursor.rows.bytes_total - before))
    }

    /// Run one statement of a simple query, sending everything including CommandComplete.
    async fn run_simple<C>(
        &self,
        client: &mut C,
        session: &Session,
        sql: &str,
        command: Command,
    ) -> Result<(), PgError>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let t0 = Instant::now();
        let ctl = self.new_ctl(session);
        let mut rows_sent = 0u64;
        let mut bytes_sent = 0u64;
        let result: Result<(), PgError> = async {
            check_txn_state(client, &command)?;
            let prepared = ctl.guard(self.prepare(session, sql, command)).await?;
            match self.start(session, &prepared, None, &ctl).await? {
                Started::Done { tag, reports, txn } => {
                    send_reports(client, reports).await?;
                    apply_txn(client, txn, session).await;
                    send_complete(client, Tag::new(&tag)).await?;
                }
                Started::Rows(mut rows, tag) => {
                    let fo = session.settings.lock().format_options();
                    let fields = pg_fields(&rows.schema, &Format::UnifiedText, &fo)?;
                    send_row_description(client, &fields).await?;
                    let r = rows.send(client, &fields, 0, &ctl).await;
                    rows_sent = rows.rows_total as u64;
                    bytes_sent = rows.bytes_total as u64;
                    let fetched = r?;
                    send_complete(client, Tag::new(&tag).with_rows(fetched.rows)).await?;
                }
                Started::Copy(mut run, opts) => {
                    let fo = session.settings.lock().format_options();
                    run.send(client, &opts, &fo, &ctl, &mut rows_sent, &mut bytes_sent)
                        .await?;
                    send_complete(client, Tag::new("COPY").with_rows(rows_sent as usize)).await?;
                }
                Started::Fetch { name, count } => {
                    let (n, b) = self
                        .fetch_cursor(
                            client,
                            session,
                            &name,
                            count,
                            &Format::UnifiedText,
                            true,
                            &ctl,
                        )
                        .await?;
                    rows_sent = n as u64;
                    bytes_sent = b as u64;
                    send_complete(client, Tag::new("FETCH").with_rows(n)).await?;
                }
            }
            Ok(())
        }
        .await;
        self.cancel.end();
        self.finish(
            session,
            sql,
            t0,
            rows_sent,
            bytes_sent,
            result.as_ref().err(),
            Via::Simple,
        )
        .await;
        result
    }
}

/// Who runs statements in this session (set at login).
fn session_caller(session: &Session) -> crate::governance::service::Caller {
    session
        .ctx
        .state()
        .config()
        .get_extension::<crate::governance::service::Caller>()
        .map(|c| c.as_ref().clone())
        .unwrap_or_else(|| crate::governance::service::Caller {
            user: session.user.clone(),
            roles: session.roles.clone(),
        })
}

/// Which protocol ran a statement (for the audit log), with the hash of its parameter values.
enum Via {
    Simple,
    Extended(Option<String>),
}

fn params_hash(portal: &Portal<Arc<Prepared>>) -> Option<String> {
    (!portal.parameters.is_empty())
        .then(|| crate::governance::audit::params_sha256(&portal.parameters))
}

/// What starting a statement produced.
enum Started {
    Done {
        tag: String,
        reports: Vec<(String, String)>,
        txn: Txn,
    },
    Rows(RowStream, String),
    /// COPY ... TO STDOUT: streamed as CopyData (src/server/copy.rs).
    Copy(super::copy::CopyRun, Box<super::copy::CopyOut>),
    Fetch {
        name: String,
        count: Option<u64>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Txn {
    Keep,
    Begin,
    Commit,
    Rollback,
    /// ROLLBACK TO SAVEPOINT: leaves a failed transaction.
    Recover,
}

fn reset_engine_config(session: &Session) {
    let state = session.ctx.state_ref();
    *state.write().config_mut() = session.base_config.clone();
}

fn check_txn_state<C: ClientInfo>(client: &C, command: &Command) -> Result<(), PgError> {
    if client.transaction_status() == TransactionStatus::Error
        && !matches!(
            command,
            Command::Commit | Command::Rollback | Command::RollbackToSavepoint | Command::Close(_)
        )
    {
        return Err(PgError::new(
            sqlstate::IN_FAILED_TRANSACTION,
            "current transaction is aborted, commands ignored until end of transaction block",
        ));
    }
    Ok(())
}

async fn apply_txn<C: ClientInfo>(client: &mut C, txn: Txn, session: &Session) {
    let status = client.transaction_status();
    let new = match txn {
        Txn::Keep => status,
        Txn::Begin => status.to_in_transaction_state(),
        Txn::Commit | Txn::Rollback => {
            // Cursors without HOLD end with the transaction.
            session
                .cursors
                .lock()
                .await
                .retain(|_, c| c.hold && txn == Txn::Commit);
            TransactionStatus::Idle
        }
        Txn::Recover => {
            if status == TransactionStatus::Idle {
                status
            } else {
                TransactionStatus::Transaction
            }
        }
    };
    client.set_transaction_status(new);
}

async fn send_reports<C>(client: &mut C, reports: Vec<(String, String)>) -> Result<(), PgError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    for (k, v) in reports {
        client
            .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                k, v,
            )))
            .await
            .map_err(|e| sqlstate::client_gone(e.into()))?;
    }
    Ok(())
}

async fn send_complete<C>(client: &mut C, tag: Tag) -> Result<(), PgError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client
        .feed(PgWireBackendMessage::CommandComplete(tag.into()))
        .await
        .map_err(|e| sqlstate::client_gone(e.into()))
}

async fn send_row_description<C>(client: &mut C, fields: &[FieldInfo]) -> Result<(), PgError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let desc = pgwire::messages::data::RowDescription::new(fields.iter().map(Into::into).collect());
    client
        .feed(PgWireBackendMessage::RowDescription(desc))
        .await
        .map_err(|e| sqlstate::client_gone(e.into()))
}

/// A small text result (SHOW).
fn text_rows(columns: &[&str], rows: Vec<Vec<String>>) -> RowStream {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = (0..columns.len())
        .map(|i| {
            Arc::new(StringArray::from(
                rows.iter().map(|r| r[i].clone()).collect::<Vec<_>>(),
            )) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("columns match schema");
    let stream = RecordBatchStreamAdapter::new(schema, futures::stream::iter(vec![Ok(batch)]));
    RowStream::new(Box::pin(stream))
}

/// Decode Bind parameters using the client's types, else the planner's inferred types, else
/// text.
fn decode_params(
    portal: &Portal<Arc<Prepared>>,
    inferred: &[Option<DataType>],
) -> Result<ParamValues, PgError> {
    let n = portal.parameter_len();
    if n != inferred.len() && !inferred.is_empty() {
        return Err(PgError::new(
            sqlstate::PROTOCOL_VIOLATION,
            format!(
                "bind message supplies {n} parameters, but prepared statement requires {}",
                inferred.len()
            ),
        ));
    }
    let inferred_refs: Vec<Option<&DataType>> = inferred.iter().map(|t| t.as_ref()).collect();
    let text = Type::TEXT;
    let server: Vec<Option<&Type>> = (0..n)
        .map(|i| {
            if inferred.get(i).and_then(|t| t.as_ref()).is_none() {
                Some(&text)
            } else {
                None
            }
        })
        .collect();
    arrow_pg::datatypes::df::deserialize_parameters_with_server_types(
        portal,
        &inferred_refs,
        &server,
    )
    .map_err(|e| {
        let mut p = sqlstate::from_pgwire(e);
        if p.code == sqlstate::INTERNAL_ERROR {
            p.code = sqlstate::INVALID_PARAMETER_VALUE.into();
        }
        p
    })
}

fn sql_type(dt: &DataType) -> Option<datafusion::sql::sqlparser::ast::DataType> {
    use datafusion::sql::sqlparser::ast::{DataType as S, ExactNumberInfo};
    Some(match dt {
        DataType::Boolean => S::Boolean,
        DataType::Int16 => S::SmallInt(None),
        DataType::Int32 => S::Int(None),
        DataType::Int64 => S::BigInt(None),
        DataType::Float32 => S::Real,
        DataType::Float64 => S::DoublePrecision,
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => S::Text,
        DataType::Date32 => S::Date,
        DataType::Decimal128(p, sc) => {
            S::Decimal(ExactNumberInfo::PrecisionAndScale(*p as u64, *sc as i64))
        }
        _ => return None,
    })
}

/// Parameters the planner could not type (`SELECT $1`) are text in PostgreSQL. Plan again with
/// the known types and text for the rest, so the result columns have real types.
async fn retype_untyped_params(
    session: &Session,
    stmt: &DFStatement,
    plan: LogicalPlan,
    types: Vec<Option<DataType>>,
) -> (Option<LogicalPlan>, Vec<Option<DataType>>) {
    use datafusion::sql::sqlparser::ast::{Ident, Statement};
    let DFStatement::Statement(inner) = stmt else {
        return (Some(plan), types);
    };
    let filled: Vec<DataType> = types
        .iter()
        .map(|t| t.clone().unwrap_or(DataType::Utf8))
        .collect();
    let Some(data_types) = filled.iter().map(sql_type).collect::<Option<Vec<_>>>() else {
        return (Some(plan), types);
    };
    let prepare = Statement::Prepare {
        name: Ident::new("aisle_unnamed"),
        data_types,
        statement: inner.clone(),
    };
    let state = session.ctx.state();
    match state
        .statement_to_plan(DFStatement::Statement(Box::new(prepare)))
        .await
    {
        Ok(LogicalPlan::Statement(datafusion::logical_expr::Statement::Prepare(p))) => (
            Some(Arc::unwrap_or_clone(p.input)),
            filled.into_iter().map(Some).collect(),
        ),
        _ => (Some(plan), types),
    }
}

/// `$1::BIGINT`: PostgreSQL types the parameter as the cast target; DataFusion leaves it
/// untyped. Fill those in.
fn infer_cast_placeholders(plan: &LogicalPlan, out: &mut [Option<DataType>]) {
    use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
    use datafusion::logical_expr::{Cast, Expr, TryCast};
    if out.iter().all(|t| t.is_some()) {
        return;
    }
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|e| {
            e.apply(|ex| {
                let target = match ex {
                    Expr::Cast(Cast { expr, field }) => Some((expr, field.data_type())),
                    Expr::TryCast(TryCast { expr, field }) => Some((expr, field.data_type())),
                    _ => None,
                };
                if let Some((inner, dt)) = target {
                    if let Expr::Placeholder(p) = inner.as_ref() {
                        if let Ok(i) = p.id.trim_start_matches('$').parse::<usize>() {
                            if i >= 1 && i <= out.len() && out[i - 1].is_none() {
                                out[i - 1] = Some(dt.clone());
                            }
                        }
                    }
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    });
}

/// Learn pg_class/pg_attribute OIDs of tables with catalog comments.
async fn learn_comment_oids(ctx: &SessionContext) {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::Int32Type;
    let sql = "SELECT c.oid, c.relname, a.attname, a.attnum FROM pg_catalog.pg_class c \
               JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid ORDER BY c.oid, a.attnum";
    let Ok(df) = ctx.sql(sql).await else { return };
    let Ok(batches) = df.collect().await else {
        return;
    };
    let mut tables: HashMap<i64, (String, Vec<String>)> = HashMap::new();
    for b in batches {
        let cast = |i: usize, t: &DataType| datafusion::arrow::compute::cast(b.column(i), t).ok();
        let (Some(oid), Some(rel), Some(att)) = (
            cast(0, &DataType::Int32),
            cast(1, &DataType::Utf8),
            cast(2, &DataType::Utf8),
        ) else {
            return;
        };
        let oid = oid.as_primitive::<Int32Type>();
        let rel = rel.as_string::<i32>();
        let att = att.as_string::<i32>();
        for i in 0..b.num_rows() {
            if oid.is_null(i) {
                continue;
            }
            let e = tables
                .entry(oid.value(i) as i64)
                .or_insert_with(|| (rel.value(i).to_string(), vec![]));
            e.1.push(att.value(i).to_string());
        }
    }
    // OIDs are per pg_catalog (per role catalog): learn them into this session's map.
    let oids = pgcompat::relation_oids(ctx);
    for (oid, (rel, cols)) in tables {
        oids.learn(oid, &rel, cols);
    }
}

// ----- pgwire traits -----

#[async_trait]
impl StartupHandler for Conn {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut phase = self.auth.lock().await;
        match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                if !matches!(*phase, AuthPhase::AwaitStartup) {
                    return Err(PgError::new(
                        sqlstate::PROTOCOL_VIOLATION,
                        "unexpected startup message",
                    )
                    .into_fatal());
                }
                protocol_negotiation(client, startup).await?;
                save_startup_parameters_to_metadata(client, startup);
                let Some(user) = client
                    .metadata()
                    .get("user")
                    .cloned()
                    .filter(|u| !u.is_empty())
                else {
                    return self
                        .fail_login(
                            client,
                            "no_user",
                            PgError::new(
                                sqlstate::INVALID_AUTHORIZATION,
                                "no PostgreSQL user name specified in startup packet",
                            ),
                        )
                        .await;
                };
                if self.server.draining.is_cancelled() {
                    return self
                        .fail_login(
                            client,
                            "shutdown",
                            PgError::new("57P03", "the database system is shutting down"),
                        )
                        .await;
                }
                if self.server.cfg.tls_required && !client.is_secure() {
                    return self
                        .fail_login(
                            client,
                            "tls_required",
                            PgError::new(
                                sqlstate::INVALID_AUTHORIZATION,
                                "connection requires TLS",
                            )
                            .with_hint("Connect with sslmode=require (or verify-full)."),
                        )
                        .await;
                }
                let n = self.server.sessions.fetch_add(1, Ordering::SeqCst);
                if n >= self.server.cfg.max_connections {
                    self.server.sessions.fetch_sub(1, Ordering::SeqCst);
                    return self
                        .fail_login(
                            client,
                            "too_many_connections",
                            PgError::new(
                                sqlstate::TOO_MANY_CONNECTIONS,
                                "sorry, too many clients already",
                            )
                            .with_detail(format!(
                                "max_connections is {}",
                                self.server.cfg.max_connections
                            )),
                        )
                        .await;
                }
                self.counted.store(true, Ordering::SeqCst);
                self.server.metrics.connections_active.inc();

                let known = self.server.users.get(&user).map(|u| u.0.clone());
                if self.server.cfg.allow_trust {
                    *phase = AuthPhase::Done;
                    drop(phase);
                    return self.finish_login(client, user).await;
                }
                let (verifier, doomed) = match known {
                    Some(v) => (v, false),
                    None => (Verifier::decoy(&user, &self.server.secret), true),
                };
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                *phase = AuthPhase::AwaitInitial { verifier, doomed };
                client
                    .send(PgWireBackendMessage::Authentication(Authentication::SASL(
                        vec![scram::MECHANISM.to_string()],
                    )))
                    .await?;
                Ok(())
            }
            PgWireFrontendMessage::PasswordMessageFamily(msg) => {
                let user = client.metadata().get("user").cloned().unwrap_or_default();
                let current = std::mem::replace(&mut *phase, AuthPhase::Done);
                match current {
                    AuthPhase::AwaitInitial { verifier, doomed } => {
                        let initial = msg.into_sasl_initial_response().map_err(|_| {
                            PgError::new(
                                sqlstate::PROTOCOL_VIOLATION,
                                "expected SASLInitialResponse",
                            )
                            .into_fatal()
                        })?;
                        if initial.auth_method != scram::MECHANISM {
                            return self
                                .fail_login(
                                    client,
                                    "bad_mechanism",
                                    PgError::new(
                                        sqlstate::INVALID_AUTHORIZATION,
                                        format!(
                                            "SASL mechanism {} is not supported",
                                            initial.auth_method
                                        ),
                                    ),
                                )
                                .await;
                        }
                        let data = initial.data.unwrap_or_default();
                        match ServerExchange::start(&data, verifier, doomed) {
                            Ok((exchange, server_first)) => {
                                *phase = AuthPhase::AwaitFinal { exchange };
                                client
                                    .send(PgWireBackendMessage::Authentication(
                                        Authentication::SASLContinue(bytes::Bytes::from(
                                            server_first,
                                        )),
                                    ))
                                    .await?;
                                Ok(())
                            }
                            Err(e) => self.scram_failed(client, &user, e).await,
                        }
                    }
                    AuthPhase::AwaitFinal { exchange } => {
                        let resp = msg.into_sasl_response().map_err(|_| {
                            PgError::new(sqlstate::PROTOCOL_VIOLATION, "expected SASLResponse")
                                .into_fatal()
                        })?;
                        match exchange.finish(&resp.data) {
                            Ok(server_final) => {
                                client
                                    .feed(PgWireBackendMessage::Authentication(
                                        Authentication::SASLFinal(bytes::Bytes::from(server_final)),
                                    ))
                                    .await?;
                                drop(phase);
                                self.finish_login(client, user).await
                            }
                            Err(e) => self.scram_failed(client, &user, e).await,
                        }
                    }
                    _ => Err(PgError::new(
                        sqlstate::PROTOCOL_VIOLATION,
                        "unexpected password message",
                    )
                    .into_fatal()),
                }
            }
            _ => Ok(()),
        }
    }
}

impl Conn {
    async fn scram_failed<C>(&self, client: &mut C, user: &str, e: ScramError) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        match e {
            ScramError::BadPassword => {
                self.fail_login(
                    client,
                    "bad_password",
                    PgError::new(
                        sqlstate::INVALID_PASSWORD,
                        format!("password authentication failed for user \"{user}\""),
                    ),
                )
                .await
            }
            ScramError::Protocol(m) => {
                self.fail_login(
                    client,
                    "protocol",
                    PgError::new(sqlstate::PROTOCOL_VIOLATION, m),
                )
                .await
            }
        }
    }
}

fn empty_query(q: &str) -> bool {
    q.chars().all(|c| c == ';' || c.is_whitespace())
}

#[async_trait]
impl SimpleQueryHandler for Conn {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let session = self.session()?;
        client.set_state(PgWireConnectionState::QueryInProgress);
        let sql = query.query;
        let mut error = None;
        if empty_query(&sql) {
            client
                .feed(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await?;
        } else {
            match self.server.parser.parse(&sql) {
                Err(e) => {
                    self.finish(&session, &sql, Instant::now(), 0, 0, Some(&e), Via::Simple)
                        .await;
                    error = Some(e);
                }
                Ok(commands) if commands.is_empty() => {
                    client
                        .feed(PgWireBackendMessage::EmptyQueryResponse(
                            EmptyQueryResponse::new(),
                        ))
                        .await?;
                }
                Ok(commands) => {
                    let single = commands.len() == 1;
                    for command in commands {
                        let text = if single {
                            sql.clone()
                        } else {
                            command_text(&command)
                        };
                        if let Err(e) = self.run_simple(client, &session, &text, command).await {
                            error = Some(e);
                            break;
                        }
                    }
                }
            }
        }
        if let Some(e) = error {
            if sqlstate::is_client_gone(&e) {
                return Err(PgWireError::IoError(std::io::Error::other(e.message)));
            }
            client
                .feed(PgWireBackendMessage::ErrorResponse(
                    e.to_error_info("ERROR").into(),
                ))
                .await?;
            let st = client.transaction_status().to_error_state();
            client.set_transaction_status(st);
        }
        client.set_state(PgWireConnectionState::ReadyForQuery);
        let st = client.transaction_status();
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(st)))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _query: &str,
    ) -> PgWireResult<Vec<pgwire::api::results::Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_query is overridden; this is never reached.
        Ok(vec![])
    }
}

fn command_text(c: &Command) -> String {
    match c {
        Command::Sql(s) | Command::Declare { query: s, .. } => s.to_string(),
        other => format!("{other:?}").chars().take(120).collect(),
    }
}

/// The QueryParser of one connection: plans statements at Parse time.
pub struct ConnParser {
    conn: Weak<Conn>,
}

#[async_trait]
impl QueryParser for ConnParser {
    type Statement = Arc<Prepared>;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<Self::Statement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let conn = self.conn.upgrade().ok_or(PgWireError::NotReadyForQuery)?;
        let session = conn.session()?;
        let commands = match conn.server.parser.parse(sql) {
            Ok(c) => c,
            Err(e) => {
                conn.finish(
                    &session,
                    sql,
                    Instant::now(),
                    0,
                    0,
                    Some(&e),
                    Via::Extended(None),
                )
                .await;
                return Err(e.into_pgwire());
            }
        };
        let mut commands = commands.into_iter();
        let Some(command) = commands.next() else {
            return Ok(None);
        };
        if commands.next().is_some() {
            return Err(PgError::new(
                sqlstate::SYNTAX_ERROR,
                "cannot insert multiple commands into a prepared statement",
            )
            .into_pgwire());
        }
        let t0 = Instant::now();
        let ctl = conn.new_ctl(&session);
        let r = ctl.guard(conn.prepare(&session, sql, command)).await;
        conn.cancel.end();
        match r {
            Ok(p) => Ok(Some(Arc::new(p))),
            Err(e) => {
                conn.finish(&session, sql, t0, 0, 0, Some(&e), Via::Extended(None))
                    .await;
                Err(e.into_pgwire())
            }
        }
    }

    fn get_parameter_types(&self, stmt: &Self::Statement) -> PgWireResult<Vec<Type>> {
        Ok(stmt.param_types.iter().map(param_pg_type).collect())
    }

    fn get_result_schema(
        &self,
        _stmt: &Self::Statement,
        _column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(vec![])
    }
}

fn param_pg_type(t: &Option<DataType>) -> Type {
    match t {
        Some(dt) => arrow_pg::datatypes::into_pg_type(dt).unwrap_or(Type::TEXT),
        None => Type::TEXT,
    }
}

impl Conn {
    /// Result columns of a prepared statement, if it returns rows.
    async fn result_fields(
        &self,
        session: &Session,
        prepared: &Prepared,
        format: &Format,
    ) -> Result<Vec<FieldInfo>, PgError> {
        let fo = session.settings.lock().format_options();
        match &prepared.command {
            Command::Sql(stmt) => match (tag_for(stmt), &prepared.plan) {
                (TagKind::Rows(_), Some(plan)) => pg_fields(plan.schema().as_arrow(), format, &fo),
                _ => Ok(vec![]),
            },
            Command::Show(name) => {
                let col = if name.to_ascii_lowercase().starts_with("datafusion.") {
                    name.to_ascii_lowercase()
                } else {
                    session
                        .settings
                        .lock()
                        .display_name(name)
                        .to_ascii_lowercase()
                };
                let schema = Schema::new(vec![Field::new(col, DataType::Utf8, true)]);
                pg_fields(&schema, format, &fo)
            }
            Command::ShowAll => {
                let schema = Schema::new(
                    ["name", "setting", "description"]
                        .iter()
                        .map(|c| Field::new(*c, DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                );
                pg_fields(&schema, format, &fo)
            }
            Command::Refresh(_) => {
                let schema = Schema::new(
                    ["run_id", "view_name", "rows"]
                        .iter()
                        .map(|c| Field::new(*c, DataType::Utf8, true))
                        .collect::<Vec<_>>(),
                );
                pg_fields(&schema, format, &fo)
            }
            Command::Fetch { name, .. } => {
                let cursors = session.cursors.lock().await;
                match cursors.get(name) {
                    Some(c) => pg_fields(&c.rows.schema, format, &fo),
                    None => Err(PgError::new(
                        sqlstate::INVALID_CURSOR_NAME,
                        format!("cursor \"{name}\" does not exist"),
                    )),
                }
            }
            _ => Ok(vec![]),
        }
    }
}

#[async_trait]
impl ExtendedQueryHandler for Conn {
    type Statement = Arc<Prepared>;
    type QueryParser = ConnParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        self.parser.clone()
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let session = self.session()?;
        let portal_name = message.name.as_deref().unwrap_or(DEFAULT_NAME).to_string();
        let max_rows = message.max_rows.max(0) as usize;
        let portal = match client.portal_store().get_portal(&portal_name) {
            Some(Entry::Value(p)) => p,
            Some(Entry::Empty) => {
                client
                    .feed(PgWireBackendMessage::EmptyQueryResponse(
                        EmptyQueryResponse::new(),
                    ))
                    .await?;
                return Ok(());
            }
            None => return Err(PgWireError::PortalNotFound(portal_name)),
        };
        client.set_state(PgWireConnectionState::QueryInProgress);
        let result = self
            .execute_portal(client, &session, &portal_name, portal, max_rows)
            .await;
        self.cancel.end();
        client.set_state(PgWireConnectionState::ReadyForQuery);
        result.map_err(|e| {
            if sqlstate::is_client_gone(&e) {
                PgWireError::IoError(std::io::Error::other(e.message))
            } else {
                e.into_pgwire()
            }
        })
    }

    async fn do_describe_statement<C>(
        &self,
        _client: &mut C,
        target: &StoredStatement<Self::Statement>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = self.session()?;
        let prepared = &target.statement;
        let n = prepared.param_types.len().max(target.parameter_types.len());
        let params = (0..n)
            .map(|i| {
                target
                    .parameter_types
                    .get(i)
                    .cloned()
                    .flatten()
                    .filter(|t| *t != Type::UNKNOWN)
                    .unwrap_or_else(|| param_pg_type(prepared.param_types.get(i).unwrap_or(&None)))
            })
            .collect();
        let fields = self
            .result_fields(&session, prepared, &Format::UnifiedText)
            .await
            .map_err(PgError::into_pgwire)?;
        Ok(DescribeStatementResponse::new(params, fields))
    }

    async fn do_describe_portal<C>(
        &self,
        _client: &mut C,
        target: &Portal<Self::Statement>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = self.session()?;
        let fields = self
            .result_fields(
                &session,
                &target.statement.statement,
                &target.result_column_format,
            )
            .await
            .map_err(PgError::into_pgwire)?;
        Ok(DescribePortalResponse::new(fields))
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // Like the default, but a statement without result columns answers NoData after its
        // ParameterDescription (PostgreSQL does; pgwire would send an empty RowDescription).
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        if message.target_type == TARGET_TYPE_BYTE_STATEMENT {
            if let Some(Entry::Value(stmt)) = client.portal_store().get_statement(name) {
                let resp = self.do_describe_statement(client, &stmt).await?;
                if resp.fields.is_empty() {
                    client
                        .send(PgWireBackendMessage::ParameterDescription(
                            pgwire::messages::data::ParameterDescription::new(
                                resp.parameters.iter().map(|t| t.oid()).collect(),
                            ),
                        ))
                        .await?;
                    client
                        .send(PgWireBackendMessage::NoData(
                            pgwire::messages::data::NoData::new(),
                        ))
                        .await?;
                } else {
                    send_describe_response(client, &resp).await?;
                }
                return Ok(());
            }
        } else if message.target_type == TARGET_TYPE_BYTE_PORTAL
            && client.portal_store().get_portal(name).is_none()
        {
            // A SQL cursor (DECLARE) is a portal too: psycopg describes it by name.
            let session = self.session()?;
            let fields = {
                let cursors = session.cursors.lock().await;
                match cursors.get(name) {
                    Some(c) => {
                        let fo = session.settings.lock().format_options();
                        Some(
                            pg_fields(&c.rows.schema, &Format::UnifiedText, &fo)
                                .map_err(PgError::into_pgwire)?,
                        )
                    }
                    None => None,
                }
            };
            if let Some(fields) = fields {
                send_describe_response(client, &DescribePortalResponse::new(fields)).await?;
                return Ok(());
            }
        } else if message.target_type == TARGET_TYPE_BYTE_PORTAL {
            if let Some(Entry::Value(portal)) = client.portal_store().get_portal(name) {
                let resp = self.do_describe_portal(client, &portal).await?;
                if resp.is_no_data() {
                    client
                        .send(PgWireBackendMessage::NoData(
                            pgwire::messages::data::NoData::new(),
                        ))
                        .await?;
                } else {
                    send_describe_response(client, &resp).await?;
                }
                return Ok(());
            }
        }
        self._on_describe(client, message).await
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        client.portal_store().rm_portal(DEFAULT_NAME);
        if let Some(s) = self.session.get() {
            s.portals.lock().remove(DEFAULT_NAME);
        }
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                client.transaction_status(),
            )))
            .await?;
        client.flush().await?;
        Ok(())
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        match message.target_type {
            TARGET_TYPE_BYTE_STATEMENT => client.portal_store().rm_statement(name),
            TARGET_TYPE_BYTE_PORTAL => {
                client.portal_store().rm_portal(name);
                if let Some(s) = self.session.get() {
                    s.portals.lock().remove(name);
                }
            }
            _ => {}
        }
        client
            .send(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &Portal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<pgwire::api::results::Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // on_execute is overridden; this is never reached.
        Ok(pgwire::api::results::Response::EmptyQuery)
    }
}

impl Conn {
    async fn execute_portal<C>(
        &self,
        client: &mut C,
        session: &Arc<Session>,
        portal_name: &str,
        portal: Arc<Portal<Arc<Prepared>>>,
        max_rows: usize,
    ) -> Result<(), PgError>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let ctl = self.new_ctl(session);
        // A suspended portal continues where it stopped.
        let resumed = {
            let portals = session.portals.lock();
            portals
                .get(portal_name)
                .filter(|r| Arc::ptr_eq(&r.portal, &portal))
                .cloned()
        };
        if let Some(run) = resumed {
            let t0 = Instant::now();
            let fo = session.settings.lock().format_options();
            let mut rows = run.rows.lock().await;
            let fields = pg_fields(&rows.schema, &portal.result_column_format, &fo)?;
            let (r0, b0) = (rows.rows_total, rows.bytes_total);
            let r = rows.send(client, &fields, max_rows, &ctl).await;
            let (dr, db) = (
                (rows.rows_total - r0) as u64,
                (rows.bytes_total - b0) as u64,
            );
            drop(rows);
            return match r {
                Ok(f) if f.suspended => {
                    send_suspended(client).await?;
                    self.server.metrics.rows_sent.inc_by(dr);
                    self.server.metrics.bytes_sent.inc_by(db);
                    Ok(())
                }
                Ok(f) => {
                    // Keep the finished run: executing a completed portal again returns no rows
                    // (PostgreSQL semantics), it does not restart the query.
                    send_complete(client, Tag::new("SELECT").with_rows(f.rows)).await?;
                    self.finish(
                        session,
                        &run.sql,
                        t0,
                        dr,
                        db,
                        None,
                        Via::Extended(params_hash(&portal)),
                    )
                    .await;
                    Ok(())
                }
                Err(e) => {
                    session.portals.lock().remove(portal_name);
                    self.finish(
                        session,
                        &run.sql,
                        t0,
                        dr,
                        db,
                        Some(&e),
                        Via::Extended(params_hash(&portal)),
                    )
                    .await;
                    Err(e)
                }
            };
        }

        let t0 = Instant::now();
        let prepared = portal.statement.statement.clone();
        let mut rows_sent = 0u64;
        let mut bytes_sent = 0u64;
        let result: Result<(), PgError> = async {
            check_txn_state(client, &prepared.command)?;
            match self.start(session, &prepared, Some(&portal), &ctl).await? {
                Started::Done { tag, reports, txn } => {
                    send_reports(client, reports).await?;
                    apply_txn(client, txn, session).await;
                    send_complete(client, Tag::new(&tag)).await?;
                }
                Started::Rows(mut rows, tag) => {
                    let fo = session.settings.lock().format_options();
                    let fields = pg_fields(&rows.schema, &portal.result_column_format, &fo)?;
                    let r = rows.send(client, &fields, max_rows, &ctl).await;
                    rows_sent = rows.rows_total as u64;
                    bytes_sent = rows.bytes_total as u64;
                    let f = r?;
                    if f.suspended || portal_name != DEFAULT_NAME {
                        session.portals.lock().insert(
                            portal_name.to_string(),
                            PortalRun {
                                portal: portal.clone(),
                                rows: Arc::new(tokio::sync::Mutex::new(rows)),
                                sql: Arc::from(prepared.sql.as_str()),
                            },
                        );
                        if f.suspended {
                            send_suspended(client).await?;
                            return Ok(());
                        }
                    }
                    send_complete(client, Tag::new(&tag).with_rows(f.rows)).await?;
                }
                Started::Copy(mut run, opts) => {
                    let fo = session.settings.lock().format_options();
                    run.send(client, &opts, &fo, &ctl, &mut rows_sent, &mut bytes_sent)
                        .await?;
                    send_complete(client, Tag::new("COPY").with_rows(rows_sent as usize)).await?;
                }
                Started::Fetch { name, count } => {
                    let (n, b) = self
                        .fetch_cursor(
                            client,
                            session,
                            &name,
                            count,
                            &portal.result_column_format,
                            false,
                            &ctl,
                        )
                        .await?;
                    rows_sent = n as u64;
                    bytes_sent = b as u64;
                    send_complete(client, Tag::new("FETCH").with_rows(n)).await?;
                }
            }
            Ok(())
        }
        .await;
        self.finish(
            session,
            &prepared.sql,
            t0,
            rows_sent,
            bytes_sent,
            result.as_ref().err(),
            Via::Extended(params_hash(&portal)),
        )
        .await;
        result
    }
}

async fn send_suspended<C>(client: &mut C) -> Result<(), PgError>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    client
        .send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
        .await
        .map_err(|e| sqlstate::client_gone(e.into()))
}

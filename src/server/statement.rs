//! Parsing client SQL into what the server runs: session commands it answers itself (SET, SHOW,
//! BEGIN, cursors, ...) and statements DataFusion plans.
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{
    self, CloseCursor, DiscardObject, Expr, FetchDirection, ObjectType, SelectItem, SetExpr,
    Statement, Value,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use super::sqlstate::{self, PgError};

/// What one client statement asks for.
#[derive(Debug, Clone)]
pub enum Command {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackToSavepoint,
    /// `SET name TO value`; `None` value means DEFAULT.
    Set {
        name: String,
        value: Option<String>,
    },
    /// `SET datafusion.x = y`, given to DataFusion.
    SetEngine {
        name: String,
        statement: Box<DFStatement>,
    },
    /// `RESET name` / `RESET ALL` (None)
    Reset(Option<String>),
    Show(String),
    ShowAll,
    DiscardAll,
    Deallocate,
    Declare {
        name: String,
        hold: bool,
        query: Box<DFStatement>,
    },
    /// FETCH / MOVE: `count` None means ALL.
    Fetch {
        name: String,
        count: Option<u64>,
        is_move: bool,
    },
    Close(Option<String>),
    /// Accepted and ignored (LISTEN, SET TRANSACTION, ...): the tag to answer with.
    NoOp(&'static str),
    /// Planned and run by DataFusion.
    Sql(Box<DFStatement>),
    /// `INSERT INTO decisions ...`: recorded by governance (src/governance/decisions.rs).
    Decide(Box<ast::Insert>),
    /// `CALL refresh_recommendations(['view', ...])`: a new recommendation run.
    Refresh(Vec<String>),
    /// `COPY (query) TO STDOUT` / `COPY table TO STDOUT` (src/server/copy.rs).
    CopyOut(Box<super::copy::CopyOut>),
    /// COPY FROM, COPY TO a file or program: refused (admin-only; 0A000 for admins).
    CopyRefused(String),
}

/// The server's SQL front end.
pub struct SqlParser {
    compat: PostgresCompatibilityParser,
}

impl std::fmt::Debug for SqlParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlParser")
    }
}

impl Default for SqlParser {
    fn default() -> Self {
        SqlParser {
            compat: PostgresCompatibilityParser::new(),
        }
    }
}

fn first_words(sql: &str, n: usize) -> Vec<String> {
    // Skip leading comments and whitespace.
    let mut s = sql.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest
                .split_once('\n')
                .map(|x| x.1)
                .unwrap_or("")
                .trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest
                .split_once("*/")
                .map(|x| x.1)
                .unwrap_or("")
                .trim_start();
        } else {
            break;
        }
    }
    s.split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

impl SqlParser {
    /// Parse a query string into commands (several for a multi-statement simple query).
    pub fn parse(&self, sql: &str) -> Result<Vec<Command>, PgError> {
        let words = first_words(sql, 2);
        let df_first = matches!(words.first().map(String::as_str), Some("COPY"))
            || (words.len() == 2 && words[0] == "CREATE" && words[1] == "EXTERNAL")
            || (words.len() == 2 && words[0] == "CREATE" && words[1] == "UNBOUNDED");
        if words.first().map(String::as_str) == Some("COPY") {
            if let Some(r) = super::copy::parse(sql) {
                return r;
            }
        }
        if df_first {
            return self.parse_df(sql).map_err(|e| syntax(&e));
        }
        let fixed = super::pg_proc::fix_reg_casts(sql);
        match self.compat.parse(&fixed) {
            Ok(stmts) => stmts.into_iter().map(classify).collect(),
            Err(e) => match self.parse_df(sql) {
                Ok(cmds) => Ok(cmds),
                Err(_) => Err(syntax(&e.to_string())),
            },
        }
    }

    fn parse_df(&self, sql: &str) -> Result<Vec<Command>, String> {
        let stmts = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {})
            .map_err(|e| e.to_string())?;
        stmts
            .into_iter()
            .map(|s| match s {
                DFStatement::Statement(inner) => classify(*inner).map_err(|e| e.message),
                DFStatement::Reset(datafusion::sql::parser::ResetStatement::Variable(n))
                    if !is_engine_setting(&object_name(&n)) =>
                {
                    let name = object_name(&n);
                    Ok(Command::Reset(
                        (!name.eq_ignore_ascii_case("all")).then_some(name),
                    ))
                }
                DFStatement::CopyTo(_) => Ok(Command::CopyRefused("COPY TO a file".into())),
                other => Ok(Command::Sql(Box::new(other))),
            })
            .collect()
    }
}

fn syntax(msg: &str) -> PgError {
    let m = msg.strip_prefix("sql parser error: ").unwrap_or(msg);
    let m = m
        .strip_prefix("SQL error: ParserError(\"")
        .map(|x| x.trim_end_matches("\")"))
        .unwrap_or(m);
    PgError::new(sqlstate::SYNTAX_ERROR, format!("syntax error: {m}"))
}

fn ident_list(parts: &[ast::Ident]) -> String {
    parts
        .iter()
        .map(|i| i.value.clone())
        .collect::<Vec<_>>()
        .join(" ")
}

fn object_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| match p.as_ident() {
            Some(i) => i.value.clone(),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// A SET value as PostgreSQL would see it.
fn set_value(values: &[Expr]) -> Option<String> {
    if values.len() == 1 {
        if let Expr::Identifier(i) = &values[0] {
            if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default") {
                return None;
            }
        }
    }
    Some(values.iter().map(expr_text).collect::<Vec<_>>().join(", "))
}

fn expr_text(e: &Expr) -> String {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::EscapedStringLiteral(s) => s.clone(),
            Value::Number(n, _) => n.to_string(),
            Value::Boolean(b) => {
                if *b {
                    "on".into()
                } else {
                    "off".into()
                }
            }
            other => other.to_string(),
        },
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => ident_list(parts).replace(' ', "."),
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => format!("-{}", expr_text(expr)),
        other => other.to_string(),
    }
}

fn is_engine_setting(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("datafusion.")
}

fn count_of(v: &ast::ValueWithSpan) -> Result<u64, PgError> {
    match &v.value {
        Value::Number(n, _) => n.parse::<u64>().map_err(|_| {
            PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "FETCH count must be a non-negative integer",
            )
        }),
        _ => Err(PgError::new(
            sqlstate::SYNTAX_ERROR,
            "FETCH count must be a number",
        )),
    }
}

/// Classify one parsed statement.
pub fn classify(stmt: Statement) -> Result<Command, PgError> {
    Ok(match stmt {
        Statement::StartTransaction { .. } => Command::Begin,
        Statement::Commit { .. } => Command::Commit,
        Statement::Rollback {
            savepoint: None, ..
        } => Command::Rollback,
        Statement::Rollback {
            savepoint: Some(_), ..
        } => Command::RollbackToSavepoint,
        Statement::Savepoint { .. } => Command::Savepoint,
        Statement::ReleaseSavepoint { .. } => Command::Release,
        Statement::Set(set) => match set {
            ast::Set::SingleAssignment {
                variable, values, ..
            } => {
                let name = object_name(&variable);
                if is_engine_setting(&name) {
                    Command::SetEngine {
                        name,
                        statement: Box::new(DFStatement::Statement(Box::new(Statement::Set(
                            ast::Set::SingleAssignment {
                                scope: None,
                                hivevar: false,
                                variable,
                                values,
                            },
                        )))),
                    }
                } else {
                    Command::Set {
                        name,
                        value: set_value(&values),
                    }
                }
            }
            ast::Set::SetTimeZone { value, .. } => Command::Set {
                name: "TimeZone".into(),
                value: set_value(&[value]),
            },
            ast::Set::SetNames { charset_name, .. } => Command::Set {
                name: "client_encoding".into(),
                value: Some(charset_name.value),
            },
            ast::Set::SetNamesDefault {} => Command::Set {
                name: "client_encoding".into(),
                value: None,
            },
            ast::Set::SetTransaction { .. } => Command::NoOp("SET"),
            ast::Set::SetSessionAuthorization(_) | ast::Set::SetRole { .. } => {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "SET ROLE and SET SESSION AUTHORIZATION are not supported",
                )
                .with_hint("Log in as the user you want to act as."));
            }
            other => {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    format!("unsupported SET form: {other}"),
                ));
            }
        },
        Statement::ShowVariable { variable } => {
            let name = ident_list(&variable);
            if name.eq_ignore_ascii_case("all") {
                Command::ShowAll
            } else {
                // Engine settings (`datafusion.*`) are looked up in the session config too.
                let name = variable.iter().map(|i| i.value.clone()).collect::<Vec<_>>();
                let name = if name.len() > 1 && name[0].eq_ignore_ascii_case("datafusion") {
                    name.join(".")
                } else {
                    name.join(" ")
                };
                Command::Show(name)
            }
        }
        Statement::Discard { object_type } => match object_type {
            DiscardObject::ALL | DiscardObject::PLANS => Command::DiscardAll,
            _ => Command::NoOp("DISCARD"),
        },
        Statement::Deallocate { .. } => Command::Deallocate,
        Statement::Declare { stmts } => {
            let d = stmts.into_iter().next().ok_or_else(|| {
                PgError::new(sqlstate::SYNTAX_ERROR, "DECLARE needs a cursor name")
            })?;
            let name = d.names.first().map(|i| i.value.clone()).unwrap_or_default();
            let query = d.for_query.ok_or_else(|| {
                PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "only DECLARE ... CURSOR FOR query is supported",
                )
            })?;
            if d.binary == Some(true) {
                return Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    "BINARY cursors are not supported; use the extended protocol for binary results",
                ));
            }
            Command::Declare {
                name,
                hold: d.hold == Some(true),
                query: Box::new(DFStatement::Statement(Box::new(Statement::Query(query)))),
            }
        }
        Statement::Fetch {
            name, direction, ..
        } => {
            let count = match direction {
                FetchDirection::Next | FetchDirection::First => Some(1),
                FetchDirection::Count { limit } => Some(count_of(&limit)?),
                FetchDirection::Forward { limit: Some(l) } => Some(count_of(&l)?),
                FetchDirection::Forward { limit: None } => Some(1),
                FetchDirection::All | FetchDirection::ForwardAll => None,
                other => {
                    return Err(PgError::new(
                        sqlstate::FEATURE_NOT_SUPPORTED,
                        format!("cursors are forward-only; FETCH {other} is not supported"),
                    ));
                }
            };
            Command::Fetch {
                name: name.value,
                count,
                is_move: false,
            }
        }
        Statement::Close { cursor } => match cursor {
            CloseCursor::All => Command::Close(None),
            CloseCursor::Specific { name } => Command::Close(Some(name.value)),
        },
        Statement::Reset(r) => match r.reset {
            ast::Reset::ALL => Command::Reset(None),
            ast::Reset::ConfigurationParameter(n) => {
                let name = object_name(&n);
                if is_engine_setting(&name) {
                    Command::Sql(Box::new(DFStatement::Reset(
                        datafusion::sql::parser::ResetStatement::Variable(n),
                    )))
                } else {
                    Command::Reset(Some(name))
                }
            }
        },
        Statement::Insert(ins) if crate::governance::decisions::is_decisions_insert(&ins) => {
            Command::Decide(Box::new(ins))
        }
        Statement::Call(f)
            if object_name(&f.name).eq_ignore_ascii_case("refresh_recommendations") =>
        {
            Command::Refresh(refresh_args(&f)?)
        }
        Statement::LISTEN { .. } => Command::NoOp("LISTEN"),
        Statement::UNLISTEN { .. } => Command::NoOp("UNLISTEN"),
        Statement::NOTIFY { .. } => Command::NoOp("NOTIFY"),
        mut other => {
            fix_integer_literals(&mut other);
            rewrite_array_subqueries(&mut other);
            super::pg_proc::rewrite_client_sql(&mut other);
            Command::Sql(Box::new(DFStatement::Statement(Box::new(other))))
        }
    })
}

/// The view names of `CALL refresh_recommendations('a', 'b')` (none: every recommendation view).
fn refresh_args(f: &ast::Function) -> Result<Vec<String>, PgError> {
    let args = match &f.args {
        ast::FunctionArguments::None => return Ok(vec![]),
        ast::FunctionArguments::List(l) => &l.args,
        ast::FunctionArguments::Subquery(_) => {
            return Err(PgError::new(
                sqlstate::SYNTAX_ERROR,
                "refresh_recommendations takes view names as text",
            ));
        }
    };
    args.iter()
        .map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(Expr::Value(v))) => {
                match &v.value {
                    Value::SingleQuotedString(s) => Ok(s.to_ascii_lowercase()),
                    _ => Err(PgError::new(
                        sqlstate::SYNTAX_ERROR,
                        "refresh_recommendations takes view names as text, e.g. CALL refresh_recommendations('replenishment_recommendations')",
                    )),
                }
            }
            _ => Err(PgError::new(
                sqlstate::SYNTAX_ERROR,
                "refresh_recommendations takes view names as text, e.g. CALL refresh_recommendations('replenishment_recommendations')",
            )),
        })
        .collect()
}

/// `SELECT 1` is `integer` in PostgreSQL but Int64 (`bigint`) in DataFusion, which makes some
/// drivers (node-postgres) return strings. Cast bare integer literals in the select list that
/// fit in int4, and name the column `?column?` like PostgreSQL.
fn fix_integer_literals(stmt: &mut Statement) {
    let Statement::Query(q) = stmt else { return };
    let SetExpr::Select(select) = q.body.as_mut() else {
        return;
    };
    let mut named = false;
    for item in select.projection.iter_mut() {
        // `SELECT 1 AS one` keeps its alias.
        if let SelectItem::ExprWithAlias { expr, .. } = item {
            if let Expr::Value(v) = expr {
                if matches!(&v.value, Value::Number(n, false) if n.parse::<i32>().is_ok()) {
                    *expr = Expr::Cast {
                        kind: ast::CastKind::DoubleColon,
                        expr: Box::new(Expr::Value(v.clone())),
                        data_type: ast::DataType::Integer(None),
                        array: false,
                        format: None,
                    };
                }
            }
            continue;
        }
        let SelectItem::UnnamedExpr(Expr::Value(v)) = item else {
            continue;
        };
        let Value::Number(n, false) = &v.value else {
            continue;
        };
        if n.parse::<i32>().is_err() {
            continue;
        }
        let cast = Expr::Cast {
            kind: ast::CastKind::DoubleColon,
            expr: Box::new(Expr::Value(v.clone())),
            data_type: ast::DataType::Integer(None),
            array: false,
            format: None,
        };
        let alias = if named {
            format!("?column?{n}")
        } else {
            "?column?".to_string()
        };
        named = true;
        *item = SelectItem::ExprWithAlias {
            expr: cast,
            alias: ast::Ident::with_quote('"', alias),
        };
    }
}

/// `ARRAY(subquery)` (psql `\\d+`, JDBC metadata) is not DataFusion SQL: turn it into
/// `(SELECT array_agg(v) FROM (subquery) AS _aisle_arr(v))`. psql's toast-options subquery over
/// `reloptions` (always empty here) becomes an empty text array.
fn rewrite_array_subqueries(stmt: &mut Statement) {
    use datafusion::sql::sqlparser::ast::{FunctionArguments, visit_expressions_mut};
    use datafusion::sql::sqlparser::parser::Parser;
    use std::ops::ControlFlow;
    let _ = visit_expressions_mut(stmt, |expr| {
        // psql `\d+`: `array_to_string(c.reloptions || ARRAY(...), ', ')`; there are no
        // storage options.
        if let Expr::Function(f) = expr {
            let name = f.name.to_string().to_ascii_lowercase();
            if name.ends_with("array_to_string") && f.args.to_string().contains("reloptions") {
                *expr = Expr::Value(Value::SingleQuotedString(String::new()).into());
                return ControlFlow::<()>::Continue(());
            }
        }
        if let Expr::Function(f) = expr {
            let is_array = f.name.0.len() == 1
                && f.name.0[0]
                    .as_ident()
                    .is_some_and(|i| i.value.eq_ignore_ascii_case("array"));
            if is_array {
                if let FunctionArguments::Subquery(q) = &f.args {
                    let q = q.to_string();
                    let sql = if q.contains("reloptions") {
                        "CAST(make_array() AS VARCHAR[])".to_string()
                    } else {
                        format!("(SELECT array_agg(v) FROM ({q}) AS _aisle_arr(v))")
                    };
                    if let Ok(new) = Parser::new(&PostgreSqlDialect {})
                        .try_with_sql(&sql)
                        .and_then(|mut p| p.parse_expr())
                    {
                        *expr = new;
                    }
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Statements that change the catalog, data or files (admins only until grants land).
pub fn is_privileged(stmt: &DFStatement) -> Option<&'static str> {
    match stmt {
        DFStatement::CreateExternalTable(_) => Some("CREATE EXTERNAL TABLE"),
        DFStatement::CopyTo(_) => Some("COPY"),
        DFStatement::Explain(e) => is_privileged(&e.statement),
        DFStatement::Reset(_) => None,
        DFStatement::Statement(s) => match s.as_ref() {
            Statement::Query(_)
            | Statement::ShowVariable { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ShowFunctions { .. } => None,
            Statement::Explain {
                statement, analyze, ..
            } => {
                if *analyze {
                    is_privileged(&DFStatement::Statement(statement.clone()))
                } else {
                    None
                }
            }
            Statement::Insert(_) => Some("INSERT"),
            Statement::Update(_) => Some("UPDATE"),
            Statement::Delete(_) => Some("DELETE"),
            Statement::Copy { .. } => Some("COPY"),
            Statement::CreateView(_) => Some("CREATE VIEW"),
            Statement::CreateTable(_) => Some("CREATE TABLE"),
            Statement::CreateSchema { .. } => Some("CREATE SCHEMA"),
            Statement::CreateFunction(_) => Some("CREATE FUNCTION"),
            Statement::Drop { .. } => Some("DROP"),
            Statement::AlterTable(_) => Some("ALTER TABLE"),
            Statement::Truncate(_) => Some("TRUNCATE"),
            Statement::CreateDatabase { .. } => Some("CREATE DATABASE"),
            Statement::Set(_) => Some("SET"),
            _ => Some("this statement"),
        },
    }
}

/// The CommandComplete tag for a DataFusion statement, and whether it returns rows to the
/// client or a count.
pub enum TagKind {
    Rows(&'static str),
    Count(&'static str),
    Done(String),
}

pub fn tag_for(stmt: &DFStatement) -> TagKind {
    match stmt {
        DFStatement::CreateExternalTable(_) => TagKind::Done("CREATE EXTERNAL TABLE".into()),
        DFStatement::CopyTo(_) => TagKind::Count("COPY"),
        DFStatement::Explain(_) => TagKind::Rows("EXPLAIN"),
        DFStatement::Reset(_) => TagKind::Done("RESET".into()),
        DFStatement::Statement(s) => match s.as_ref() {
            Statement::Query(_) => TagKind::Rows("SELECT"),
            Statement::Explain { .. } => TagKind::Rows("EXPLAIN"),
            Statement::ShowTables { .. }
            | Statement::ShowColumns { .. }
            | Statement::ShowVariable { .. }
            | Statement::ShowFunctions { .. } => TagKind::Rows("SHOW"),
            Statement::Insert(_) => TagKind::Count("INSERT 0"),
            Statement::Update(_) => TagKind::Count("UPDATE"),
            Statement::Delete(_) => TagKind::Count("DELETE"),
            Statement::Copy { .. } => TagKind::Count("COPY"),
            Statement::CreateView(_) => TagKind::Done("CREATE VIEW".into()),
            Statement::CreateTable(_) => TagKind::Done("CREATE TABLE".into()),
            Statement::CreateSchema { .. } => TagKind::Done("CREATE SCHEMA".into()),
            Statement::CreateFunction(_) => TagKind::Done("CREATE FUNCTION".into()),
            Statement::Drop { object_type, .. } => TagKind::Done(match object_type {
                ObjectType::Table => "DROP TABLE".into(),
                ObjectType::View => "DROP VIEW".into(),
                ObjectType::Schema => "DROP SCHEMA".into(),
                other => format!("DROP {other}"),
            }),
            Statement::Set(_) => TagKind::Done("SET".into()),
            other => {
                let word = other.to_string();
                let word = word
                    .split_whitespace()
                    .next()
                    .unwrap_or("OK")
                    .to_ascii_uppercase();
                TagKind::Done(word)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Command {
        let mut v = SqlParser::default().parse(sql).unwrap();
        assert_eq!(v.len(), 1, "{sql}");
        v.remove(0)
    }

    #[test]
    fn session_commands() {
        assert!(matches!(one("BEGIN"), Command::Begin));
        assert!(matches!(
            one("start transaction isolation level read committed"),
            Command::Begin
        ));
        assert!(matches!(one("COMMIT"), Command::Commit));
        assert!(matches!(one("END"), Command::Commit));
        assert!(matches!(one("ROLLBACK"), Command::Rollback));
        assert!(matches!(one("ABORT"), Command::Rollback));
        assert!(matches!(one("SAVEPOINT a"), Command::Savepoint));
        assert!(matches!(one("RELEASE SAVEPOINT a"), Command::Release));
        assert!(matches!(
            one("ROLLBACK TO SAVEPOINT a"),
            Command::RollbackToSavepoint
        ));
        match one("SET statement_timeout = '5s'") {
            Command::Set { name, value } => {
                assert_eq!(name, "statement_timeout");
                assert_eq!(value.as_deref(), Some("5s"));
            }
            other => panic!("{other:?}"),
        }
        match one("SET DateStyle TO ISO, DMY") {
            Command::Set { value, .. } => assert_eq!(value.as_deref(), Some("ISO, DMY")),
            other => panic!("{other:?}"),
        }
        match one("SET TIME ZONE 'Europe/Paris'") {
            Command::Set { name, value } => {
                assert_eq!(name, "TimeZone");
                assert_eq!(value.as_deref(), Some("Europe/Paris"));
            }
            other => panic!("{other:?}"),
        }
        match one("SET extra_float_digits TO DEFAULT") {
            Command::Set { value, .. } => assert!(value.is_none()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            one("SET datafusion.execution.batch_size = 100"),
            Command::SetEngine { .. }
        ));
        assert!(matches!(one("SHOW ALL"), Command::ShowAll));
        assert!(matches!(one("SHOW search_path"), Command::Show(_)));
        assert!(matches!(one("DISCARD ALL"), Command::DiscardAll));
        assert!(matches!(one("RESET ALL"), Command::Reset(None)));
        assert!(matches!(
            one("RESET statement_timeout"),
            Command::Reset(Some(_))
        ));
        assert!(matches!(
            one("DECLARE c CURSOR FOR SELECT 1"),
            Command::Declare { .. }
        ));
        assert!(matches!(
            one("FETCH FORWARD 10 FROM c"),
            Command::Fetch {
                count: Some(10),
                ..
            }
        ));
        assert!(matches!(
            one("FETCH ALL FROM c"),
            Command::Fetch { count: None, .. }
        ));
        assert!(matches!(one("CLOSE c"), Command::Close(Some(_))));
        assert!(matches!(one("CLOSE ALL"), Command::Close(None)));
        assert!(matches!(one("SELECT 1"), Command::Sql(_)));
        assert_eq!(
            SqlParser::default()
                .parse("SELECT 1; SELECT 2")
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            SqlParser::default().parse("SELEC 1").unwrap_err().code,
            "42601"
        );
    }
}

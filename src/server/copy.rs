//! `COPY (query) TO STDOUT` and `COPY table TO STDOUT`: parsed here (DataFusion's parser only
//! knows COPY to a file), planned like any query (so grants and masks apply) and streamed as
//! CopyOutResponse, one CopyData per row, CopyDone. Text and CSV formats with PostgreSQL's
//! escaping and quoting. COPY FROM and COPY to a file or program are refused.
use std::fmt::Debug;
use std::sync::Arc;

use bytes::Bytes;
use datafusion::arrow::datatypes::Schema;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Statement,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::portal::Format;
use pgwire::api::results::DataRowEncoder;
use pgwire::error::PgWireError;
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};
use pgwire::types::format::FormatOptions;

use super::sqlstate::{self, PgError};
use super::stream::{QueryCtl, exec_runtime, pg_fields};

/// Output format of COPY TO STDOUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyFormat {
    Text,
    Csv,
}

/// A parsed `COPY ... TO STDOUT`.
#[derive(Debug, Clone)]
pub struct CopyOut {
    pub query: Box<DFStatement>,
    pub format: CopyFormat,
    pub header: bool,
    pub delimiter: char,
    pub null: String,
    pub quote: char,
    pub escape: char,
}

fn unsupported(msg: impl Into<String>) -> PgError {
    PgError::new(sqlstate::FEATURE_NOT_SUPPORTED, msg)
}

/// The error an admin gets for COPY FROM or COPY to a file or program.
pub fn refused_error(what: &str) -> PgError {
    unsupported(format!("{what} is not supported, use COPY ... TO STDOUT"))
        .with_hint("Run `COPY (SELECT ...) TO STDOUT` or psql's `\\copy (SELECT ...) TO 'file'`, which writes the file on the client.")
}

/// Parse a statement starting with COPY. `None` when sqlparser does not read it as a
/// PostgreSQL COPY (DataFusion's own `COPY ... TO 'file' STORED AS ...` then parses it).
pub fn parse(sql: &str) -> Option<Result<Vec<super::statement::Command>, PgError>> {
    let stmts = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
    if !stmts.iter().all(|s| matches!(s, Statement::Copy { .. })) {
        return None;
    }
    Some(stmts.into_iter().map(classify).collect())
}

/// A `Statement::Copy` as a command.
pub fn classify(stmt: Statement) -> Result<super::statement::Command, PgError> {
    use super::statement::Command;
    let Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        ..
    } = stmt
    else {
        return Err(PgError::new(
            sqlstate::INTERNAL_ERROR,
            "not a COPY statement",
        ));
    };
    if !to {
        return Ok(Command::CopyRefused("COPY FROM".into()));
    }
    match target {
        CopyTarget::Stdout => {}
        CopyTarget::File { .. } => return Ok(Command::CopyRefused("COPY TO a file".into())),
        CopyTarget::Program { .. } => {
            return Ok(Command::CopyRefused("COPY TO a program".into()));
        }
        CopyTarget::Stdin => return Err(unsupported("COPY TO STDIN is not valid")),
    }
    let query = match source {
        CopySource::Query(q) => DFStatement::Statement(Box::new(Statement::Query(q))),
        CopySource::Table {
            table_name,
            columns,
        } => {
            let cols = if columns.is_empty() {
                "*".to_string()
            } else {
                columns
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let q = format!("SELECT {cols} FROM {table_name}");
            let mut s = Parser::parse_sql(&PostgreSqlDialect {}, &q)
                .map_err(|e| PgError::new(sqlstate::SYNTAX_ERROR, e.to_string()))?;
            DFStatement::Statement(Box::new(s.remove(0)))
        }
    };
    let mut c = CopyOut {
        query: Box::new(query),
        format: CopyFormat::Text,
        header: false,
        delimiter: '\t',
        null: "\\N".into(),
        quote: '"',
        escape: '"',
    };
    let (mut delim, mut null) = (None, None);
    for o in options {
        match o {
            CopyOption::Format(f) => {
                c.format = match f.value.to_ascii_lowercase().as_str() {
                    "text" => CopyFormat::Text,
                    "csv" => CopyFormat::Csv,
                    "binary" => {
                        return Err(unsupported("COPY FORMAT binary is not supported")
                            .with_hint("Use FORMAT text or FORMAT csv."));
                    }
                    other => {
                        return Err(PgError::new(
                            sqlstate::INVALID_PARAMETER_VALUE,
                            format!("COPY format \"{other}\" not recognized"),
                        )
                        .with_hint("Use FORMAT text or FORMAT csv."));
                    }
                }
            }
            CopyOption::Header(h) => c.header = h,
            CopyOption::Delimiter(d) => delim = Some(d),
            CopyOption::Null(n) => null = Some(n),
            CopyOption::Quote(q) => c.quote = q,
            CopyOption::Escape(e) => c.escape = e,
            CopyOption::Encoding(e) => {
                let e = e.to_ascii_uppercase().replace(['-', '_'], "");
                if e != "UTF8" {
                    return Err(unsupported(
                        "COPY ENCODING other than UTF8 is not supported",
                    ));
                }
            }
            other => return Err(unsupported(format!("COPY option {other} is not supported"))),
        }
    }
    for o in legacy_options {
        match o {
            CopyLegacyOption::Binary => {
                return Err(unsupported("COPY BINARY is not supported")
                    .with_hint("Use FORMAT text or FORMAT csv."));
            }
            CopyLegacyOption::Delimiter(d) => delim = Some(d),
            CopyLegacyOption::Null(n) => null = Some(n),
            CopyLegacyOption::Header => c.header = true,
            CopyLegacyOption::Csv(opts) => {
                c.format = CopyFormat::Csv;
                for o in opts {
                    match o {
                        CopyLegacyCsvOption::Header => c.header = true,
                        CopyLegacyCsvOption::Quote(q) => c.quote = q,
                        CopyLegacyCsvOption::Escape(e) => c.escape = e,
                        other => {
                            return Err(unsupported(format!(
                                "COPY option {other} is not supported"
                            )));
                        }
                    }
                }
            }
            other => return Err(unsupported(format!("COPY option {other} is not supported"))),
        }
    }
    if c.format == CopyFormat::Csv {
        c.delimiter = ',';
        c.null = String::new();
    }
    if let Some(d) = delim {
        c.delimiter = d;
    }
    if let Some(n) = null {
        c.null = n;
    }
    if c.delimiter == '\n'
        || c.delimiter == '\r'
        || (c.format == CopyFormat::Text && c.delimiter == '\\')
    {
        return Err(PgError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            format!("COPY delimiter cannot be {:?}", c.delimiter),
        ));
    }
    if c.format == CopyFormat::Csv && c.delimiter == c.quote {
        return Err(PgError::new(
            sqlstate::INVALID_PARAMETER_VALUE,
            "COPY delimiter and quote must be different",
        ));
    }
    Ok(Command::CopyOut(Box::new(c)))
}

/// Escape one text-format value as PostgreSQL's COPY does.
fn text_value(out: &mut Vec<u8>, v: &[u8], delimiter: u8) {
    for &b in v {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0x0b => out.extend_from_slice(b"\\v"),
            _ if b == delimiter => {
                out.push(b'\\');
                out.push(b);
            }
            _ => out.push(b),
        }
    }
}

/// Quote one CSV value as PostgreSQL's COPY does (only when needed).
fn csv_value(out: &mut Vec<u8>, v: &[u8], c: &CopyOut, first_col: bool) {
    let (d, q, e) = (c.delimiter as u8, c.quote as u8, c.escape as u8);
    let needs = v == c.null.as_bytes()
        || (first_col && v == b"\\.")
        || v.iter()
            .any(|&b| b == d || b == q || b == b'\n' || b == b'\r' || b == e && e != q);
    if !needs {
        out.extend_from_slice(v);
        return;
    }
    out.push(q);
    for &b in v {
        if b == q || b == e {
            out.push(e);
        }
        out.push(b);
    }
    out.push(q);
}

impl CopyOut {
    fn line(&self, values: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(self.delimiter.to_string().as_bytes());
            }
            match (v, self.format) {
                (None, _) => out.extend_from_slice(self.null.as_bytes()),
                (Some(v), CopyFormat::Text) => text_value(&mut out, v, self.delimiter as u8),
                (Some(v), CopyFormat::Csv) => csv_value(&mut out, v, self, i == 0),
            }
        }
        out.push(b'\n');
        out
    }
}

/// Split a DataRow's payload into its fields (None = NULL).
fn fields_of(data: &[u8]) -> Vec<Option<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= data.len() {
        let len = i32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        i += 4;
        if len < 0 {
            out.push(None);
        } else {
            let end = (i + len as usize).min(data.len());
            out.push(Some(&data[i..end]));
            i = end;
        }
    }
    out
}

/// A running COPY: the query's batches arrive over a small channel from the query runtime.
pub struct CopyRun {
    schema: Arc<Schema>,
    rx: tokio::sync::mpsc::Receiver<datafusion::error::Result<RecordBatch>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for CopyRun {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::fmt::Debug for CopyRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CopyRun")
    }
}

impl CopyRun {
    pub fn spawn(ctx: SessionContext, plan: LogicalPlan) -> CopyRun {
        let schema = Arc::new(plan.schema().as_arrow().clone());
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let task = exec_runtime().spawn(async move {
            let stream = match ctx.execute_logical_plan(plan).await {
                Ok(df) => df.execute_stream().await,
                Err(e) => Err(e),
            };
            let mut stream = match stream {
                Ok(s) => s,
                Err(e) => {
                    let _ = tx.send(Err(e)).await;
                    return;
                }
            };
            while let Some(b) = stream.next().await {
                let stop = b.is_err();
                if tx.send(b).await.is_err() || stop {
                    break;
                }
            }
        });
        CopyRun { schema, rx, task }
    }

    /// Send CopyOutResponse, the rows and CopyDone; returns (rows, bytes). The caller sends
    /// CommandComplete `COPY n`.
    pub async fn send<C>(
        &mut self,
        client: &mut C,
        opts: &CopyOut,
        fo: &Arc<FormatOptions>,
        ctl: &QueryCtl,
        rows_sent: &mut u64,
        bytes_sent: &mut u64,
    ) -> Result<(), PgError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let fields = pg_fields(&self.schema, &Format::UnifiedText, fo)?;
        let ncol = fields.len();
        let mut encoder = DataRowEncoder::new(Arc::new(vec![]));
        client
            .send(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
                0,
                ncol as i16,
                vec![0; ncol],
            )))
            .await
            .map_err(|e| sqlstate::client_gone(e.into()))?;
        if opts.header {
            let names: Vec<Vec<u8>> = self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_bytes().to_vec())
                .collect();
            let vals: Vec<Option<&[u8]>> = names.iter().map(|n| Some(n.as_slice())).collect();
            let line = opts.line(&vals);
            *bytes_sent += line.len() as u64;
            self.feed(client, line, ctl).await?;
        }
        loop {
            let next = ctl.guard(async { Ok(self.rx.recv().await) }).await?;
            let batch = match next {
                None => break,
                Some(Err(e)) => return Err(sqlstate::classify(&e)),
                Some(Ok(b)) => b,
            };
            let schema = batch.schema();
            for row in 0..batch.num_rows() {
                for (col, pg_field) in fields.iter().enumerate() {
                    arrow_pg::encoder::encode_value(
                        &mut encoder,
                        batch.column(col),
                        row,
                        schema.field(col),
                        pg_field,
                    )
                    .map_err(sqlstate::from_pgwire)?;
                }
                let data_row = encoder.take_row();
                let line = opts.line(&fields_of(&data_row.data));
                *bytes_sent += line.len() as u64;
                self.feed(client, line, ctl).await?;
                *rows_sent += 1;
            }
        }
        client
            .send(PgWireBackendMessage::CopyDone(CopyDone::new()))
            .await
            .map_err(|e| sqlstate::client_gone(e.into()))?;
        Ok(())
    }

    async fn feed<C>(&self, client: &mut C, line: Vec<u8>, ctl: &QueryCtl) -> Result<(), PgError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let msg = PgWireBackendMessage::CopyData(CopyData::new(Bytes::from(line)));
        let mut fed = std::pin::pin!(client.feed(msg));
        let ready: Option<Result<(), PgError>> = match futures::poll!(fed.as_mut()) {
            std::task::Poll::Ready(r) => Some(r.map_err(|e| sqlstate::client_gone(e.into()))),
            std::task::Poll::Pending => None,
        };
        match ready {
            Some(r) => r,
            // A client that stops reading blocks the write: cancel and timeout still end it.
            None => {
                ctl.guard(async { fed.await.map_err(|e| sqlstate::client_gone(e.into())) })
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::statement::Command;

    fn one(sql: &str) -> Result<Command, PgError> {
        parse(sql).expect("a COPY").map(|mut v| v.remove(0))
    }

    fn opts(sql: &str) -> CopyOut {
        match one(sql).unwrap() {
            Command::CopyOut(c) => *c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn copy_options() {
        let c = opts("COPY (SELECT 1) TO STDOUT");
        assert_eq!(
            (c.format, c.delimiter, c.header),
            (CopyFormat::Text, '\t', false)
        );
        let c = opts("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')");
        assert_eq!(
            (c.format, c.delimiter, c.header),
            (CopyFormat::Csv, ';', true)
        );
        let c = opts("COPY stores TO STDOUT CSV HEADER");
        assert_eq!(
            (c.format, c.delimiter, c.header),
            (CopyFormat::Csv, ',', true)
        );
        assert!(matches!(
            one("COPY stores TO '/tmp/x'"),
            Ok(Command::CopyRefused(_))
        ));
        assert!(matches!(
            one("COPY stores FROM STDIN"),
            Ok(Command::CopyRefused(_))
        ));
        assert_eq!(
            one("COPY (SELECT 1) TO STDOUT (FORMAT binary)")
                .unwrap_err()
                .code,
            sqlstate::FEATURE_NOT_SUPPORTED
        );
    }

    #[test]
    fn escaping() {
        let t = opts("COPY (SELECT 1) TO STDOUT");
        let line = t.line(&[Some(b"a\tb\\c\nd"), None, Some(b"")]);
        assert_eq!(line, b"a\\tb\\\\c\\nd\t\\N\t\n");
        let c = opts("COPY (SELECT 1) TO STDOUT (FORMAT csv)");
        let line = c.line(&[
            Some(b"a,b"),
            Some(b"say \"hi\""),
            None,
            Some(b""),
            Some(b"x"),
        ]);
        assert_eq!(line, b"\"a,b\",\"say \"\"hi\"\"\",,\"\",x\n");
    }
}

//! Streaming a DataFusion result to the client, batch by batch.
//!
//! Rows are encoded from each RecordBatch as it arrives (text columns by `text_encode`, the rest
//! by arrow-pg) and fed to the connection's write buffer, which flushes every few KiB; nothing
//! collects the result. Between batches the stream
//! checks the query's cancellation token (CancelRequest, shutdown) and its statement-timeout
//! deadline; dropping the stream drops DataFusion's execution tasks.
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::Type;
use pgwire::api::portal::Format;
use pgwire::api::results::FieldInfo;
use pgwire::error::PgWireError;
use pgwire::messages::PgWireBackendMessage;
use pgwire::types::format::FormatOptions;
use tokio_util::sync::CancellationToken;

use super::sqlstate::{self, PgError};
use super::text_encode::RowEncoder;

/// Cancellation and deadline of the statement being run.
#[derive(Clone, Debug)]
pub struct QueryCtl {
    pub token: CancellationToken,
    pub deadline: Option<Instant>,
    /// Set when the token was cancelled by server shutdown rather than a CancelRequest.
    pub shutdown: CancellationToken,
}

impl QueryCtl {
    /// Wait until the statement must stop; returns the error to report.
    pub async fn stopped(&self) -> PgError {
        let deadline = async {
            match self.deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            _ = self.token.cancelled() => {
                if self.shutdown.is_cancelled() { PgError::shutdown() } else { PgError::canceled() }
            }
            _ = deadline => PgError::timeout(),
        }
    }

    /// Run `fut` unless the statement is cancelled or times out first.
    pub async fn guard<T>(
        &self,
        fut: impl Future<Output = Result<T, PgError>>,
    ) -> Result<T, PgError> {
        tokio::select! {
            biased;
            e = self.stopped() => Err(e),
            r = fut => r,
        }
    }
}

/// Result columns as PostgreSQL fields, with the modifiers clients read (numeric precision and
/// scale, type sizes).
pub fn pg_fields(
    schema: &Schema,
    format: &Format,
    options: &Arc<FormatOptions>,
) -> Result<Vec<FieldInfo>, PgError> {
    let fields =
        arrow_pg::datatypes::arrow_schema_to_pg_fields(schema, format, Some(options.clone()))
            .map_err(sqlstate::from_pgwire)?;
    Ok(fields
        .into_iter()
        .zip(schema.fields().iter())
        .map(|(fi, f)| {
            let (size, typmod) = match f.data_type() {
                DataType::Decimal128(p, s) | DataType::Decimal256(p, s) => {
                    (-1, ((*p as i32) << 16 | (*s as i32 & 0xffff)) + 4)
                }
                _ => (type_size(fi.datatype()), -1),
            };
            fi.with_type_size(size).with_type_modifier(typmod)
        })
        .collect())
}

fn type_size(t: &Type) -> i16 {
    match *t {
        Type::BOOL | Type::CHAR => 1,
        Type::INT2 => 2,
        Type::INT4 | Type::FLOAT4 | Type::DATE | Type::OID => 4,
        Type::INT8 | Type::FLOAT8 | Type::TIMESTAMP | Type::TIMESTAMPTZ | Type::TIME => 8,
        Type::INTERVAL => 16,
        _ => -1,
    }
}

/// Aborts the producing task when the result is dropped (cancel, error, client gone).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running query's result.
///
/// DataFusion's stream is driven by its own task, which hands batches over a small channel: the
/// connection task stays responsive to cancel and timeout even while an operator computes for a
/// long time without producing a batch, and aborting the task stops the query.
pub struct RowStream {
    pub schema: Arc<Schema>,
    rx: tokio::sync::mpsc::Receiver<datafusion::error::Result<RecordBatch>>,
    _task: AbortOnDrop,
    current: Option<(RecordBatch, usize)>,
    encoder: RowEncoder,
    done: bool,
    /// Rows sent so far over all fetches.
    pub rows_total: usize,
    /// Bytes of DataRow messages sent so far.
    pub bytes_total: usize,
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("rows_total", &self.rows_total)
            .finish()
    }
}

/// How a fetch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    pub rows: usize,
    /// More rows may follow (the row limit was reached).
    pub suspended: bool,
}

/// The runtime that executes queries, apart from the runtime serving connections: a query that
/// keeps its worker threads busy must not delay accepting connections, cancel requests or other
/// sessions' network I/O.
pub fn exec_runtime() -> &'static tokio::runtime::Handle {
    static RT: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(num_cpus::get().max(2))
            .thread_name("aisle-query")
            .enable_all()
            .build()
            .expect("build the query runtime")
    })
    .handle()
}

impl RowStream {
    /// Execute `plan` on the query runtime and stream its batches.
    pub fn spawn(
        ctx: datafusion::prelude::SessionContext,
        plan: datafusion::logical_expr::LogicalPlan,
    ) -> RowStream {
        let schema = Arc::new(plan.schema().as_arrow().clone());
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let task = exec_runtime().spawn(async move {
            let tx_panic = tx.clone();
            let run = async move {
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
            };
            // A panic while planning or executing (DataFusion re-raises a panic of its own
            // tasks in the consumer) must fail this query with XX000, not end the row stream
            // as if the result were complete.
            if let Err(p) =
                futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(run)).await
            {
                let what = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown cause".to_string());
                let _ = tx_panic
                    .send(Err(datafusion::error::DataFusionError::Internal(format!(
                        "the query panicked: {what}"
                    ))))
                    .await;
            }
        });
        RowStream {
            schema,
            rx,
            _task: AbortOnDrop(task),
            current: None,
            encoder: RowEncoder::new(),
            done: false,
            rows_total: 0,
            bytes_total: 0,
        }
    }

    pub fn new(stream: SendableRecordBatchStream) -> RowStream {
        let schema = stream.schema();
        let (tx, rx) = tokio::sync::mpsc::channel(2);
        let task = tokio::spawn(async move {
            let mut stream = stream;
            while let Some(b) = stream.next().await {
                let stop = b.is_err();
                if tx.send(b).await.is_err() || stop {
                    break;
                }
            }
        });
        RowStream {
            schema,
            rx,
            _task: AbortOnDrop(task),
            current: None,
            encoder: RowEncoder::new(),
            done: false,
            rows_total: 0,
            bytes_total: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Send up to `max_rows` rows (0 = all) encoded as `fields` describes.
    pub async fn send<C>(
        &mut self,
        client: &mut C,
        fields: &[FieldInfo],
        max_rows: usize,
        ctl: &QueryCtl,
    ) -> Result<Fetched, PgError>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut sent = 0usize;
        loop {
            if max_rows > 0 && sent >= max_rows {
                return Ok(Fetched {
                    rows: sent,
                    suspended: !self.done,
                });
            }
            if let Some((batch, idx)) = &mut self.current {
                if *idx < batch.num_rows() {
                    // Encode and feed the rest of the batch (or up to the limit) without yielding to
                    // cancellation checks: a batch is bounded (batch_size rows).
                    let end = if max_rows > 0 {
                        (*idx + (max_rows - sent)).min(batch.num_rows())
                    } else {
                        batch.num_rows()
                    };
                    let schema = batch.schema();
                    let planned = RowEncoder::plan(batch, fields);
                    for row in *idx..end {
                        let data_row = self
                            .encoder
                            .encode_row(&planned, batch, &schema, fields, row)
                            .map_err(sqlstate::from_pgwire)?;
                        self.bytes_total += data_row.data.len() + 7;
                        let mut fed =
                            std::pin::pin!(client.feed(PgWireBackendMessage::DataRow(data_row)));
                        let ready: Option<Result<(), PgError>> = match futures::poll!(fed.as_mut())
                        {
                            std::task::Poll::Ready(r) => {
                                Some(r.map_err(|e| sqlstate::client_gone(e.into())))
                            }
                            std::task::Poll::Pending => None,
                        };
                        match ready {
                            Some(r) => r?,
                            // A client that stops reading blocks the write: let cancel and
                            // timeout still end the statement.
                            None => {
                                ctl.guard(async {
                                    fed.await.map_err(|e| sqlstate::client_gone(e.into()))
                                })
                                .await?
                            }
                        }
                    }
                    let n = end - *idx;
                    *idx = end;
                    sent += n;
                    self.rows_total += n;
                    continue;
                }
                self.current = None;
            }
            if self.done {
                return Ok(Fetched {
                    rows: sent,
                    suspended: false,
                });
            }
            let next = ctl.guard(async { Ok(self.rx.recv().await) }).await?;
            match next {
                None => {
                    self.done = true;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Err(sqlstate::classify(&e));
                }
                Some(Ok(batch)) => {
                    if batch.num_rows() > 0 {
                        self.current = Some((batch, 0));
                    }
                }
            }
        }
    }

    /// Drain the stream without sending (DML row counts).
    pub async fn count_rows(&mut self, ctl: &QueryCtl) -> Result<u64, PgError> {
        use datafusion::arrow::array::{Array, UInt64Array};
        let mut n = 0u64;
        loop {
            let next = ctl.guard(async { Ok(self.rx.recv().await) }).await?;
            match next {
                None => return Ok(n),
                Some(Err(e)) => return Err(sqlstate::classify(&e)),
                Some(Ok(b)) => {
                    // DataFusion DML returns one `count` column.
                    if b.num_columns() == 1 {
                        if let Some(c) = b.column(0).as_any().downcast_ref::<UInt64Array>() {
                            n += (0..c.len())
                                .filter(|i| !c.is_null(*i))
                                .map(|i| c.value(i))
                                .sum::<u64>();
                            continue;
                        }
                    }
                    n += b.num_rows() as u64;
                }
            }
        }
    }
}

//! The plan codecs of a cluster: Ballista's own, plus an identity card on every aisle function.
//!
//! Ballista ships plans between the coordinator, the scheduler and the executors as protobuf;
//! a function travels by name and is looked up again on the receiving side. That is only right
//! if the receiving side has *the same* function: an executor of another aisle build could have
//! a `forecast` with other defaults or another model, and would compute with it silently.
//!
//! So every aisle function is encoded with its definition — the aisle version and a fingerprint
//! of what the function is (its signature with parameter names, and its documented behaviour,
//! defaults included) — and decoded only from this node's own function list, after checking
//! that the definition matches. A node that lacks the function, or has a different one, fails
//! the query with an error naming the function, the node and both definitions. Functions whose
//! behaviour will depend on construction-time state add that state to [`definition`]; today
//! every aisle function is fully determined by its name and arguments (options are arguments),
//! so the fingerprint is the whole state.
//!
//! Functions that are not aisle's (DataFusion's own) go through Ballista's codec unchanged.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::FileFormatFactory;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{
    AggregateUDF, Extension, HigherOrderUDF, LogicalPlan, ScalarUDF, WindowUDF,
};
use datafusion::physical_expr_common::physical_expr::proto_decode::PhysicalExprDecodeCtx;
use datafusion::physical_expr_common::physical_expr::proto_encode::PhysicalExprEncodeCtx;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use sha2::{Digest, Sha256};

/// Marks a function definition written by this codec.
pub const MAGIC: &[u8] = b"aisle-fn\x01";

/// What is checked when a function arrives: aisle's version and the fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub version: String,
    pub fingerprint: String,
}

impl Definition {
    /// The wire form: [`MAGIC`], then `version\nfingerprint`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(format!("{}\n{}", self.version, self.fingerprint).as_bytes());
    }

    /// `None` when `buf` was not written by this codec.
    fn decode(buf: &[u8]) -> Option<Definition> {
        let rest = buf.strip_prefix(MAGIC)?;
        let text = std::str::from_utf8(rest).ok()?;
        let (version, fingerprint) = text.split_once('\n')?;
        Some(Definition {
            version: version.to_string(),
            fingerprint: fingerprint.to_string(),
        })
    }
}

impl std::fmt::Display for Definition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "aisle {}, definition {}", self.version, self.fingerprint)
    }
}

fn fingerprint(
    kind: &str,
    name: &str,
    signature: &dyn std::fmt::Debug,
    doc: Option<&datafusion::logical_expr::Documentation>,
) -> Definition {
    let mut h = Sha256::new();
    h.update(kind.as_bytes());
    h.update(b"\0");
    h.update(name.as_bytes());
    h.update(b"\0");
    h.update(format!("{signature:?}").as_bytes());
    if let Some(d) = doc {
        h.update(b"\0");
        h.update(d.description.as_bytes());
        h.update(b"\0");
        h.update(d.syntax_example.as_bytes());
        for a in d.arguments.iter().flatten() {
            h.update(b"\0");
            h.update(a.0.as_bytes());
            h.update(b"=");
            h.update(a.1.as_bytes());
        }
    }
    let digest = h.finalize();
    Definition {
        version: env!("CARGO_PKG_VERSION").to_string(),
        fingerprint: digest[..8].iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// The definition of an aisle scalar function as this build has it.
pub fn scalar_definition(f: &ScalarUDF) -> Definition {
    fingerprint("scalar", f.name(), f.signature(), f.documentation())
}

/// The definition of an aisle aggregate function as this build has it.
pub fn aggregate_definition(f: &AggregateUDF) -> Definition {
    fingerprint("aggregate", f.name(), f.signature(), f.documentation())
}

struct Functions {
    scalar: HashMap<String, (Arc<ScalarUDF>, Definition)>,
    aggregate: HashMap<String, (Arc<AggregateUDF>, Definition)>,
}

/// This build's aisle functions with their definitions, built once.
static FUNCTIONS: LazyLock<Functions> = LazyLock::new(|| Functions {
    scalar: crate::udfs::scalar_functions()
        .into_iter()
        .map(|f| {
            let d = scalar_definition(&f);
            (f.name().to_string(), (f, d))
        })
        .collect(),
    aggregate: crate::udfs::aggregate_functions()
        .into_iter()
        .map(|f| {
            let d = aggregate_definition(&f);
            (f.name().to_string(), (f, d))
        })
        .collect(),
});

fn missing(node: &str, kind: &str, name: &str, sent: &Definition) -> DataFusionError {
    DataFusionError::Plan(format!(
        "the {node} has no aisle {kind} function `{name}` (the coordinator planned it with \
         {sent}). Fix: run `aisle scheduler` and `aisle executor` of the same aisle build as the \
         coordinator on every node"
    ))
}

fn mismatch(
    node: &str,
    kind: &str,
    name: &str,
    sent: &Definition,
    mine: &Definition,
) -> DataFusionError {
    DataFusionError::Plan(format!(
        "the aisle {kind} function `{name}` differs between the coordinator ({sent}) and the \
         {node} ({mine}), so the {node} would compute something else than was planned. Fix: run \
         the same aisle build on the coordinator, the scheduler and every executor"
    ))
}

fn encode_scalar(node: &ScalarUDF, buf: &mut Vec<u8>) -> bool {
    match FUNCTIONS.scalar.get(node.name()) {
        // Encode the definition of the function as it is in the plan, not as the table says:
        // they are the same object in one process, and this keeps the check honest.
        Some(_) => {
            scalar_definition(node).encode(buf);
            true
        }
        None => false,
    }
}

fn encode_aggregate(node: &AggregateUDF, buf: &mut Vec<u8>) -> bool {
    match FUNCTIONS.aggregate.get(node.name()) {
        Some(_) => {
            aggregate_definition(node).encode(buf);
            true
        }
        None => false,
    }
}

fn decode_scalar(node: &str, name: &str, buf: &[u8]) -> Option<Result<Arc<ScalarUDF>>> {
    let sent = Definition::decode(buf)?;
    Some(match FUNCTIONS.scalar.get(name) {
        None => Err(missing(node, "scalar", name, &sent)),
        Some((_, mine)) if *mine != sent => Err(mismatch(node, "scalar", name, &sent, mine)),
        Some((f, _)) => Ok(f.clone()),
    })
}

fn decode_aggregate(node: &str, name: &str, buf: &[u8]) -> Option<Result<Arc<AggregateUDF>>> {
    let sent = Definition::decode(buf)?;
    Some(match FUNCTIONS.aggregate.get(name) {
        None => Err(missing(node, "aggregate", name, &sent)),
        Some((_, mine)) if *mine != sent => Err(mismatch(node, "aggregate", name, &sent, mine)),
        Some((f, _)) => Ok(f.clone()),
    })
}

/// Ballista's logical codec with aisle's functions carried by definition.
#[derive(Debug)]
pub struct AisleLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
    node: String,
}

impl AisleLogicalCodec {
    /// `node` names this process in errors ("scheduler", "executor 127.0.0.1:50051", ...).
    pub fn new(node: &str) -> AisleLogicalCodec {
        AisleLogicalCodec {
            inner: BallistaLogicalExtensionCodec::default(),
            node: node.to_string(),
        }
    }
}

impl LogicalExtensionCodec for AisleLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> Result<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        self.inner
            .try_decode_table_provider(buf, table_ref, schema, ctx)
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.try_encode_table_provider(table_ref, node, buf)
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> Result<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        match decode_scalar(&self.node, name, buf) {
            Some(r) => r,
            None => self.inner.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_scalar(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_higher_order_function(
        &self,
        name: &str,
        buf: &[u8],
    ) -> Result<Arc<HigherOrderUDF>> {
        self.inner.try_decode_higher_order_function(name, buf)
    }

    fn try_encode_higher_order_function(
        &self,
        node: &HigherOrderUDF,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.try_encode_higher_order_function(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        match decode_aggregate(&self.node, name, buf) {
            Some(r) => r,
            None => self.inner.try_decode_udaf(name, buf),
        }
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_aggregate(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// Ballista's physical codec with aisle's functions carried by definition.
#[derive(Debug)]
pub struct AislePhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
    node: String,
}

impl AislePhysicalCodec {
    /// `node` names this process in errors.
    pub fn new(node: &str) -> AislePhysicalCodec {
        AislePhysicalCodec {
            inner: BallistaPhysicalExtensionCodec::default(),
            node: node.to_string(),
        }
    }
}

impl PhysicalExtensionCodec for AislePhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.try_decode(buf, inputs, ctx, proto_converter)
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        self.inner.try_encode(node, buf, proto_converter)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        match decode_scalar(&self.node, name, buf) {
            Some(r) => r,
            None => self.inner.try_decode_udf(name, buf),
        }
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_scalar(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_higher_order_function(
        &self,
        name: &str,
        buf: &[u8],
    ) -> Result<Arc<HigherOrderUDF>> {
        self.inner.try_decode_higher_order_function(name, buf)
    }

    fn try_encode_higher_order_function(
        &self,
        node: &HigherOrderUDF,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        self.inner.try_encode_higher_order_function(node, buf)
    }

    fn try_decode_expr(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn PhysicalExpr>],
        ctx: &PhysicalExprDecodeCtx<'_>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        self.inner.try_decode_expr(buf, inputs, ctx)
    }

    fn try_encode_expr(
        &self,
        node: &Arc<dyn PhysicalExpr>,
        buf: &mut Vec<u8>,
        ctx: &PhysicalExprEncodeCtx<'_>,
    ) -> Result<()> {
        self.inner.try_encode_expr(node, buf, ctx)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        match decode_aggregate(&self.node, name, buf) {
            Some(r) => r,
            None => self.inner.try_decode_udaf(name, buf),
        }
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        if encode_aggregate(node, buf) {
            return Ok(());
        }
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

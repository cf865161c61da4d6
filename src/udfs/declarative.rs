//! Table-driven scalar functions shared by the function families (customer, inventory): a
//! function is a name, a parameter list (names, kinds, defaults), a return type, a documentation
//! and a kernel. This module owns what does not depend on the family: the parameter description,
//! the `user_defined` signature with parameter names, lenient coercion, argument count and type
//! checks with SQLSTATEs (42883 / 42804), and the one `ScalarUDFImpl`.
//!
//! A family supplies its argument kinds ([`ArgKind`]), its defaults ([`ParamDefault`]) and how
//! an invocation's arguments are read ([`Family`]).
use std::borrow::Cow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::error::{SqlError, codes};

/// SQLSTATE 42804 datatype_mismatch.
pub(crate) const DATATYPE_MISMATCH: &str = "42804";

/// What an argument of a family holds: which types it accepts, what it is coerced to, and how
/// error messages name it.
pub(crate) trait ArgKind: Copy {
    /// The canonical type an argument of type `t` becomes, or None to leave `t` as it is (so
    /// [`check_types`] reports it).
    fn coerce(self, t: &DataType) -> Option<DataType>;
    /// Whether an argument of type `t` is accepted.
    fn accepts(self, t: &DataType) -> bool;
    /// "a number", "text", ... for error messages.
    fn label(self) -> Cow<'static, str>;
}

/// Default of an optional parameter of a family.
pub(crate) trait ParamDefault: Copy {
    /// The parameter has no default (it must be given).
    fn is_required(&self) -> bool;
}

/// One parameter of a function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Param<K, D> {
    pub name: &'static str,
    pub kind: K,
    pub default: D,
}

/// `List<Float64>` with nullable elements, the list type every list-of-numbers parameter is read
/// as.
pub(crate) fn f64_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

pub(crate) fn is_number(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Null)
}

pub(crate) fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
    )
}

/// The item type of a `List` / `LargeList` / `FixedSizeList`.
pub(crate) fn list_item(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(f.data_type())
        }
        _ => None,
    }
}

pub(crate) fn is_number_list(t: &DataType) -> bool {
    matches!(t, DataType::Null) || list_item(t).is_some_and(is_number)
}

/// Number of required (leading) parameters.
fn required<K, D: ParamDefault>(params: &[Param<K, D>]) -> usize {
    params
        .iter()
        .take_while(|p| p.default.is_required())
        .count()
}

/// `name(a, b[, c, d])`, for error messages.
pub(crate) fn call_shape<K, D: ParamDefault>(name: &str, params: &[Param<K, D>]) -> String {
    let req = required(params);
    let mut s = format!("{name}(");
    for (i, p) in params.iter().enumerate() {
        if i == req {
            s.push('[');
        }
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(p.name);
    }
    if req < params.len() {
        s.push(']');
    }
    s.push(')');
    s
}

/// A `user_defined` signature with parameter names, so named notation works and our own
/// coercion decides what each argument becomes.
pub(crate) fn signature<K, D>(params: &[Param<K, D>]) -> Signature {
    Signature::user_defined(Volatility::Immutable)
        .with_parameter_names(params.iter().map(|p| p.name).collect())
        .expect("user-defined signatures accept parameter names")
}

/// Lenient coercion: every argument that can become what its parameter needs is mapped to the
/// canonical type; anything else is left as it is, so that [`check_types`] (called from
/// `return_type`) can raise an error with a SQLSTATE — DataFusion turns errors from
/// `coerce_types` into untyped text.
pub(crate) fn coerce<K: ArgKind, D>(
    params: &[Param<K, D>],
    arg_types: &[DataType],
) -> Vec<DataType> {
    arg_types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            params
                .get(i)
                .and_then(|p| p.kind.coerce(t))
                .unwrap_or_else(|| t.clone())
        })
        .collect()
}

/// Argument count and types, raised as SqlErrors (42883 / 42804).
pub(crate) fn check_types<K: ArgKind, D: ParamDefault>(
    name: &str,
    params: &[Param<K, D>],
    arg_types: &[DataType],
) -> Result<()> {
    let req = required(params);
    let n = arg_types.len();
    if n < req || n > params.len() {
        let count = if req == params.len() {
            format!("{req}")
        } else {
            format!("{req} to {}", params.len())
        };
        return Err(SqlError::new(
            codes::UNDEFINED_FUNCTION,
            format!("{name} takes {count} arguments, got {n}"),
        )
        .with_hint(format!("call it as {}", call_shape(name, params)))
        .into_df());
    }
    for (p, t) in params.iter().zip(arg_types) {
        if !p.kind.accepts(t) {
            return Err(SqlError::new(
                DATATYPE_MISMATCH,
                format!(
                    "{name}: argument {} must be {}, got {t}",
                    p.name,
                    p.kind.label()
                ),
            )
            .with_hint(format!("call it as {}", call_shape(name, params)))
            .into_df());
        }
    }
    Ok(())
}

/// A family of table-driven scalar functions.
pub(crate) trait Family: 'static {
    /// The name `Debug` shows for a function of the family (`CustomerUdf`, ...).
    const UDF_NAME: &'static str;
    type Kind: ArgKind + Send + Sync + 'static;
    type Default: ParamDefault + Send + Sync + 'static;
    /// The arguments of one invocation, as the kernels read them.
    type Inputs;
    /// Reads the arguments of one invocation, filling in defaults of omitted parameters.
    fn inputs(
        name: &'static str,
        params: &[Param<Self::Kind, Self::Default>],
        args: &ScalarFunctionArgs,
    ) -> Result<Self::Inputs>;
}

/// The kernel of a scalar function: the filled-in arguments in, one result array out.
pub(crate) type Kernel<F> = fn(&<F as Family>::Inputs) -> Result<ArrayRef>;

/// The single `ScalarUDFImpl` behind every scalar function of a family. Each function file
/// supplies its name, parameters, return type, documentation and kernel.
pub(crate) struct DeclarativeUdf<F: Family> {
    name: &'static str,
    params: &'static [Param<F::Kind, F::Default>],
    signature: Signature,
    return_type: DataType,
    doc: &'static LazyLock<Documentation>,
    kernel: Kernel<F>,
    family: PhantomData<fn() -> F>,
}

impl<F: Family> DeclarativeUdf<F> {
    pub fn new(
        name: &'static str,
        params: &'static [Param<F::Kind, F::Default>],
        return_type: DataType,
        doc: &'static LazyLock<Documentation>,
        kernel: Kernel<F>,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(DeclarativeUdf::<F> {
            name,
            params,
            signature: signature(params),
            return_type,
            doc,
            kernel,
            family: PhantomData,
        })
    }
}

impl<F: Family> fmt::Debug for DeclarativeUdf<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(F::UDF_NAME)
            .field("name", &self.name)
            .finish()
    }
}

impl<F: Family> PartialEq for DeclarativeUdf<F> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.signature == other.signature
            && self.return_type == other.return_type
    }
}

impl<F: Family> Eq for DeclarativeUdf<F> {}

impl<F: Family> Hash for DeclarativeUdf<F> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
        self.signature.hash(state);
        self.return_type.hash(state);
    }
}

impl<F: Family> ScalarUDFImpl for DeclarativeUdf<F> {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(coerce(self.params, arg_types))
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        check_types(self.name, self.params, arg_types)?;
        Ok(self.return_type.clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let inputs = F::inputs(self.name, self.params, &args)?;
        Ok(ColumnarValue::Array((self.kernel)(&inputs)?))
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(LazyLock::force(self.doc))
    }
}

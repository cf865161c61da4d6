//! The `aisle` command line: generate demo data, query, serve on the PostgreSQL protocol.
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use aisle::catalog::{CatalogSource, read_catalog_sources};
use aisle::config::{ConfigFile, parse_byte_size, read_config};
use aisle::engine::{Engine, EngineConfig};
use aisle::output::{OutputFormat, write_batches};
use aisle::views::ViewSource;

mod serve_cmd;

/// mimalloc for the binary (not the library: embedders keep their own allocator). Short queries
/// allocate and free many small objects in planning and Parquet set-up, where glibc's malloc was
/// about a third of the server's CPU.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Written by `aisle generate` into every dataset it creates.
pub const DEMO_MARKER: &str = aisle::demo::MARKER_FILE;

const EXAMPLES: &str = "\
Examples:
  aisle serve --demo                         generate the demo data if missing and serve it on 127.0.0.1:5433
  aisle generate --scale 1 --seed 42 --out ./aisle-data
  aisle query --data-dir ./aisle-data \"SELECT count(*) FROM sales_lines\"
  aisle query --catalog catalog/s3-example.toml --format csv \"SELECT * FROM stores\"
  aisle refresh --data-dir ./aisle-data      snapshots the *_recommendations views into a new run
  aisle passwd --user planner                prints a SCRAM verifier line for the config file
  aisle docs functions                       regenerates docs/functions.md

Configuration comes from --config FILE (or AISLE_CONFIG), then environment variables (AISLE_*),
then flags; flags win.";

#[derive(Parser, Debug)]
#[command(name = "aisle", version, about = "Retail analytics engine: forecasting, customer and inventory SQL over Parquet, served on the PostgreSQL protocol", after_help = EXAMPLES)]
struct Cli {
    /// Configuration file (TOML); see docs/ARCHITECTURE.md.
    #[arg(long, global = true, env = "AISLE_CONFIG")]
    config: Option<PathBuf>,
    /// Log filter, e.g. info, aisle=debug.
    #[arg(long, global = true, env = "AISLE_LOG", default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Generate the deterministic demo retail dataset as Parquet.
    Generate(GenerateArgs),
    /// Run one SQL statement and print the result.
    Query(QueryArgs),
    /// Serve SQL on the PostgreSQL wire protocol.
    Serve(serve_cmd::ServeArgs),
    /// Snapshot the recommendation views into a new versioned run (Parquet with lineage).
    Refresh(RefreshArgs),
    /// Print a SCRAM-SHA-256 verifier line for a user (reads the password from standard input).
    Passwd(PasswdArgs),
    /// Generate documentation from the code.
    Docs(DocsArgs),
    /// Run a Ballista scheduler for `--cluster` (feature `cluster`; docs/scale-out.md).
    #[cfg(feature = "cluster")]
    Scheduler(SchedulerArgs),
    /// Run a Ballista executor with every aisle function (feature `cluster`; docs/scale-out.md).
    #[cfg(feature = "cluster")]
    Executor(ExecutorArgs),
}

#[cfg(feature = "cluster")]
#[derive(Args, Debug)]
struct SchedulerArgs {
    /// Address to listen on (gRPC for clients and executors).
    #[arg(long, default_value = "127.0.0.1:50050")]
    bind: std::net::SocketAddr,
    /// Host name executors use to reach this scheduler (default: the bind address).
    #[arg(long)]
    external_host: Option<String>,
    /// Seconds without a heartbeat before an executor counts as lost.
    #[arg(long, default_value_t = 60)]
    executor_timeout_secs: u64,
}

#[cfg(feature = "cluster")]
#[derive(Args, Debug)]
struct ExecutorArgs {
    /// The scheduler, HOST:PORT or df://HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:50050")]
    scheduler: String,
    /// Address of this executor's Arrow Flight service (shuffle data and results).
    #[arg(long, default_value = "127.0.0.1:50051")]
    bind: std::net::SocketAddr,
    /// Port the scheduler pushes tasks to (default: the --bind port + 1).
    #[arg(long)]
    grpc_port: Option<u16>,
    /// Host name the scheduler and other executors use to reach this one (default: bind address).
    #[arg(long)]
    external_host: Option<String>,
    /// Memory for query execution, e.g. 4GiB or bytes (default: Ballista's share of RAM).
    #[arg(long)]
    memory_pool: Option<String>,
    /// Folder for shuffle files and spills (default: a temporary folder).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Tasks run at the same time (default: the number of cores).
    #[arg(long)]
    concurrent_tasks: Option<usize>,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, default_value_t = 10)]
    heartbeat_secs: u64,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Size: 1 is a few thousand SKU x location series; rows grow linearly.
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Random seed: the same seed always gives the same bytes.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output folder (replaced if it already holds an aisle dataset).
    #[arg(long, default_value = "./aisle-data")]
    out: PathBuf,
    /// Do not draw a progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Where the engine's tables and views come from; shared by `query` and `serve`.
#[derive(Args, Debug, Clone, Default)]
pub struct EngineArgs {
    /// Serve the demo catalog over generated data in this folder.
    #[arg(long, env = "AISLE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Catalog file or folder of *.toml (repeatable). Default: the demo catalog.
    #[arg(long, env = "AISLE_CATALOG", value_delimiter = ',')]
    pub catalog: Vec<PathBuf>,
    /// Folder of view files (*.sql), or `builtin` for the views compiled into aisle.
    #[arg(long, env = "AISLE_VIEWS_DIR")]
    pub views_dir: Option<String>,
    /// Memory for query execution, e.g. 4GiB (default: half of physical memory).
    #[arg(long, env = "AISLE_MEMORY_LIMIT")]
    pub memory_limit: Option<String>,
    /// Parallelism of one query (default: number of cores).
    #[arg(long, env = "AISLE_TARGET_PARTITIONS")]
    pub target_partitions: Option<usize>,
    /// Execute on a Ballista cluster: the scheduler of `aisle scheduler`, e.g.
    /// df://127.0.0.1:50050 (builds with the `cluster` feature; docs/scale-out.md).
    #[arg(long, env = "AISLE_CLUSTER")]
    pub cluster: Option<String>,
}

#[derive(Args, Debug)]
struct QueryArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
    /// The SQL statement.
    sql: String,
}

#[derive(Args, Debug)]
struct RefreshArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Only these recommendation views (default: every view named *_recommendations).
    #[arg(long, value_delimiter = ',')]
    views: Vec<String>,
    /// Who the run is recorded as (default: $USER).
    #[arg(long, env = "USER", default_value = "operator")]
    user: String,
}

#[derive(Args, Debug)]
struct PasswdArgs {
    /// User name to print in the line.
    #[arg(long, default_value = "user")]
    user: String,
}

#[derive(Args, Debug)]
struct DocsArgs {
    #[command(subcommand)]
    what: DocsWhat,
}

#[derive(Subcommand, Debug)]
enum DocsWhat {
    /// Write docs/functions.md from the functions' documentation.
    Functions {
        #[arg(long, default_value = "docs/functions.md")]
        out: PathBuf,
        /// Only check that the file is current; exit 1 if it is stale.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A query's error as psql would show it: SQLSTATE, message, detail and hint — once (anyhow's
/// chain would repeat DataFusion's message, which already contains its source).
fn query_error(e: datafusion::error::DataFusionError) -> anyhow::Error {
    let pg = aisle::server::sqlstate::classify(&e);
    let mut text = format!("[{}] {}", pg.code, pg.message);
    if let Some(d) = &pg.detail {
        text.push_str(&format!("\nDETAIL: {d}"));
    }
    if let Some(h) = &pg.hint {
        text.push_str(&format!("\nHINT: {h}"));
    }
    anyhow::Error::msg(text)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Ballista logs every session setting at debug/trace; on a cluster those carry the object
    // store credentials (src/cluster/stores.rs), so its settings logger never goes below info.
    let filter = match "ballista_core::extension=info".parse() {
        Ok(d) => filter.add_directive(d),
        Err(_) => filter,
    };
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let file = match &cli.config {
        Some(p) => read_config(p)?,
        None => ConfigFile::default(),
    };
    match cli.command {
        Command::Generate(a) => {
            let report = aisle::demo::generate(&aisle::demo::GenerateOptions {
                scale: a.scale,
                seed: a.seed,
                out: a.out.clone(),
                progress: !a.quiet,
            })?;
            print_generate_report(&a.out, &report);
            Ok(ExitCode::SUCCESS)
        }
        Command::Query(a) => {
            let rt = runtime()?;
            rt.block_on(async {
                let engine = Engine::open(engine_config(&a.engine, &file)?).await?;
                let ctx = engine.new_session();
                let batches = match ctx.sql(&a.sql).await {
                    Ok(df) => df.collect().await,
                    Err(e) => Err(e),
                }
                .map_err(query_error)?;
                let stdout = std::io::stdout();
                write_batches(&mut stdout.lock(), &batches, a.format)?;
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Serve(a) => serve_cmd::run(a, &file),
        #[cfg(feature = "cluster")]
        Command::Scheduler(a) => {
            let rt = runtime()?;
            rt.block_on(aisle::cluster::process::run_scheduler(
                aisle::cluster::process::SchedulerOptions {
                    bind: a.bind,
                    external_host: a.external_host,
                    executor_timeout_secs: a.executor_timeout_secs,
                },
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        #[cfg(feature = "cluster")]
        Command::Executor(a) => {
            let addr = aisle::cluster::SchedulerAddr::parse(&a.scheduler)?;
            let memory_pool = match &a.memory_pool {
                Some(s) => Some(parse_byte_size(s)? as u64),
                None => None,
            };
            let rt = runtime()?;
            rt.block_on(aisle::cluster::process::run_executor(
                aisle::cluster::process::ExecutorOptions {
                    scheduler_host: addr.host,
                    scheduler_port: addr.port,
                    bind: a.bind,
                    grpc_port: a.grpc_port,
                    external_host: a.external_host,
                    memory_pool,
                    work_dir: a.work_dir,
                    concurrent_tasks: a.concurrent_tasks,
                    heartbeat_secs: a.heartbeat_secs,
                },
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Refresh(a) => {
            let rt = runtime()?;
            rt.block_on(async {
                let engine = Engine::open(engine_config(&a.engine, &file)?).await?;
                let state_dir = aisle::governance::service::default_state_dir(
                    a.engine
                        .data_dir
                        .as_deref()
                        .or(file.engine.data_dir.as_deref()),
                );
                let gov = aisle::governance::service::GovernanceConfig::from_toml(
                    file.governance.as_ref(),
                    &state_dir,
                    std::path::Path::new("."),
                )?;
                let runs = aisle::governance::runs::Runs::open(gov.runs.clone(), &engine).await?;
                let m = runs
                    .refresh(&engine, &a.user, &a.views)
                    .await
                    .map_err(|e| anyhow::anyhow!("refresh failed: {e}"))?;
                println!(
                    "run {} by {} in {}",
                    m.run_id,
                    m.created_by,
                    gov.runs.dir.display()
                );
                for v in &m.views {
                    println!("  {:<40} {:>8} rows  {}", v.view, v.rows, v.file);
                }
                println!("  {} input files", m.inputs.len());
                Ok(ExitCode::SUCCESS)
            })
        }
        Command::Passwd(a) => {
            let password = read_password()?;
            println!("{}", serve_cmd::verifier_line(&a.user, &password));
            Ok(ExitCode::SUCCESS)
        }
        Command::Docs(DocsArgs {
            what: DocsWhat::Functions { out, check },
        }) => {
            let md = aisle::udfs::docs::functions_markdown();
            let current = std::fs::read_to_string(&out).unwrap_or_default();
            if check {
                if current != md {
                    eprintln!("{} is stale: run `aisle docs functions`", out.display());
                    return Ok(ExitCode::FAILURE);
                }
                return Ok(ExitCode::SUCCESS);
            }
            std::fs::write(&out, md).with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Merge flags/environment (already merged by clap) over the config file into an EngineConfig.
pub fn engine_config(a: &EngineArgs, file: &ConfigFile) -> anyhow::Result<EngineConfig> {
    let e = &file.engine;
    let data_dir = a.data_dir.clone().or_else(|| e.data_dir.clone());
    let catalog_paths: Vec<PathBuf> = if !a.catalog.is_empty() {
        a.catalog.clone()
    } else {
        e.catalogs.clone().unwrap_or_default()
    };
    let demo = catalog_paths.is_empty();
    let catalogs = if demo {
        vec![CatalogSource::demo()]
    } else {
        read_catalog_sources(&catalog_paths)?
    };
    let data_dir = match (demo, data_dir) {
        (true, None) => Some(PathBuf::from("./aisle-data")),
        (_, d) => d,
    };
    if demo {
        let dir = data_dir.as_ref().expect("set above");
        if !dir.join(DEMO_MARKER).exists() {
            bail!(
                "no demo data in {}. Fix: run `aisle generate --out {}` (or `aisle serve --demo`), \
                 or pass --catalog FILE for your own data.",
                dir.display(),
                dir.display()
            );
        }
    }
    let views_flag = a.views_dir.clone().or_else(|| {
        e.views_dir
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned())
    });
    let views = match views_flag.as_deref() {
        Some("builtin") => ViewSource::BuiltIn,
        Some("none") => ViewSource::None,
        Some(dir) => ViewSource::Dir(PathBuf::from(dir)),
        None if demo => ViewSource::BuiltIn,
        None => ViewSource::None,
    };
    let memory_limit = match &a.memory_limit {
        Some(s) => Some(parse_byte_size(s)?),
        None => e.memory_limit.map(|b| b.0),
    };
    Ok(EngineConfig {
        catalogs,
        data_dir,
        views,
        memory_limit,
        target_partitions: a.target_partitions.or(e.target_partitions),
        spill_dir: e.spill_dir.clone(),
        access: aisle::governance::access::AccessPolicy::from_governance(file.governance.as_ref())?,
        cluster: a.cluster.clone(),
        extra_functions: vec![],
    })
}

fn print_generate_report(out: &std::path::Path, r: &aisle::demo::GenerateReport) {
    let mut total_rows = 0u64;
    let mut total_bytes = 0u64;
    let width = r.tables.iter().map(|t| t.0.len()).max().unwrap_or(5).max(5);
    println!("{:<width$} {:>12} {:>12}", "table", "rows", "bytes");
    for (name, rows, bytes) in &r.tables {
        println!("{name:<width$} {rows:>12} {bytes:>12}");
        total_rows += rows;
        total_bytes += bytes;
    }
    println!(
        "wrote {total_rows} rows, {:.1} MiB to {} in {:.1}s",
        total_bytes as f64 / (1024.0 * 1024.0),
        out.display(),
        r.elapsed.as_secs_f64()
    );
}

/// Read a password from standard input (one line), never from the command line where `ps` and
/// shell history would see it.
fn read_password() -> anyhow::Result<String> {
    use std::io::BufRead;
    eprint!("password: ");
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let pw = line.trim_end_matches(['\n', '\r']).to_string();
    if pw.is_empty() {
        bail!("empty password");
    }
    Ok(pw)
}

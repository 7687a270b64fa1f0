//! The crate-wide error type. Library code returns [`Result`]; the binary adds context with `anyhow`.

use deltalake::DeltaTableError;
use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::error::DataFusionError;

use joblake_sources::SourceError;

/// Everything that can go wrong in joblake, with enough context to name the culprit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A raw file refused by its source's parser.
    #[error("{file}: {source}")]
    Source {
        /// The file at fault.
        file: String,
        /// Why the parser refused it.
        #[source]
        source: SourceError,
    },
    /// Reading or writing the lake's object store failed.
    #[error("lake storage: {0}")]
    ObjectStore(object_store::Error),
    /// A Delta table operation failed.
    #[error("delta table: {0}")]
    Delta(Box<DeltaTableError>),
    /// Planning or running a query failed.
    #[error("{0}")]
    DataFusion(Box<DataFusionError>),
    /// Building Arrow data failed.
    #[error("arrow: {0}")]
    Arrow(ArrowError),
    /// The configuration is invalid: `joblake.toml`, the environment, a command's arguments
    /// naming a job, a source or a models directory that does not exist.
    #[error("configuration: {0}")]
    Config(String),
    /// Something that cannot happen did: a task panicked, an invariant of the code broke.
    #[error("internal error (a bug, please report it): {0}")]
    Internal(String),
    /// A lease file of the lake could not be read or understood.
    #[error("lease {path}: {message}")]
    Lease {
        /// The lease object at fault.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A `meta.*` table (run log, audit trail) could not be written or read back.
    #[error("meta table {table}: {message}")]
    Meta {
        /// Qualified name, e.g. `meta.runs`.
        table: String,
        /// What went wrong.
        message: String,
    },
    /// A value could not be encoded (JSON of a lease, of the refresh state).
    #[error("encoding {what}: {message}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// Why it failed.
        message: String,
    },
    /// An external program (the bench peers, psql) failed.
    #[error("{command}: {message}")]
    Tool {
        /// The command that was run.
        command: String,
        /// How it failed (exit status, what it was doing).
        message: String,
    },
    /// A network endpoint (the metrics endpoint) could not be served.
    #[error("cannot serve on {addr}: {message}")]
    Serve {
        /// The address asked for.
        addr: String,
        /// Why it failed (e.g. the address is in use).
        message: String,
    },
    /// The terminal's line editor failed (the REPL).
    #[error("line editor: {0}")]
    Terminal(String),
    /// A command was used the wrong way (a REPL meta-command); the message says how to use it.
    #[error("{0}")]
    Usage(String),
    /// A SQL model could not be loaded or run.
    #[error("model {model}: {message}")]
    Model {
        /// Qualified model name, e.g. `silver.job_postings`.
        model: String,
        /// What went wrong.
        message: String,
    },
    /// A trained model of the lake (`_meta/models/...`) could not be read, written or used.
    #[error("trained model {path}: {message}")]
    TrainedModel {
        /// The artefact at fault, e.g. `_meta/models/salary/3/weights.bin`.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Data tests returned rows.
    #[error("{count} data test(s) failed: {names}")]
    DataTests {
        /// How many tests failed.
        count: usize,
        /// Their names, comma separated.
        names: String,
    },
    /// A name that would become one segment of a lake path (a source's name, a run id) is
    /// not a plain name: `../x`, `a/b`, an absolute path, `..`, a NUL, a backslash. Refused,
    /// so that nothing is written outside its directory of the lake.
    #[error("{what} {name:?} cannot be used in a lake path: {reason}")]
    UnsafeName {
        /// What the name names, e.g. "source name".
        what: String,
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file is larger than the limit set for it.
    #[error("{file}: {limit}")]
    TooLarge {
        /// The file at fault.
        file: String,
        /// Its size and the limit (in the message, not a `source()`: said once).
        limit: TooLarge,
    },
    /// A step of a model ran out of memory in its finest passes (docs/models.md, "passes").
    #[error(
        "step {step} ran out of memory in pass {pass} of {passes}, its passes already split \
         {splits} times: raise [engine] memory_limit_mb ({message})"
    )]
    StepMemory {
        /// The step (`CREATE TABLE name AS ...`) at fault.
        step: String,
        /// The pass that failed, from 1.
        pass: u64,
        /// Of how many.
        passes: u64,
        /// How many times its passes were split in two before.
        splits: u32,
        /// DataFusion's error, naming the operator and what it held.
        message: String,
    },
    /// A refresh stopped on request (SIGTERM, Ctrl-C) at a safe point: before a model, or
    /// between two passes of a step. The tables it wrote are put back.
    #[error("stopped on request before {at}; the next refresh does its work")]
    Stopped {
        /// What would have run next: a model, or a step's pass.
        at: String,
    },
    /// A model's query ran out of memory in its finest passes (docs/models.md, "passes").
    #[error(
        "its query ran out of memory in {passes} passes: raise [engine] memory_limit_mb ({message})"
    )]
    QueryMemory {
        /// How many passes it ran in last.
        passes: u64,
        /// DataFusion's error, naming the operator and what it held.
        message: String,
    },
    /// A bronze file could not be read.
    #[error("bronze file {file}: {message}")]
    Bronze {
        /// The bronze object at fault.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The stream (a Kafka broker, a topic's partition, its committed offsets) failed.
    #[error("stream {what}: {message}")]
    Stream {
        /// The broker, topic or partition at fault.
        what: String,
        /// What went wrong.
        message: String,
    },
    /// The cluster engine (a Ballista scheduler or executor, or a plan sent to one) failed.
    #[error("cluster: {0}")]
    Cluster(String),
    /// The warehouse (PostgreSQL or SQLite) refused or failed an operation.
    #[error("warehouse {0}")]
    Warehouse(String),
    /// Rows could not be replaced in a table's files (`lake::deletion_vectors`).
    #[error("replacing rows in {file}: {message}")]
    DeletionVector {
        /// The data file (or the vector file) concerned.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// Local I/O failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

// The wrapped errors are part of the message, not a `source()`: otherwise a report of the
// whole chain (`{:#}`) says everything twice.
impl From<object_store::Error> for Error {
    fn from(e: object_store::Error) -> Self {
        Error::ObjectStore(e)
    }
}

impl From<Box<DeltaTableError>> for Error {
    fn from(e: Box<DeltaTableError>) -> Self {
        Error::Delta(e)
    }
}

impl From<Box<DataFusionError>> for Error {
    fn from(e: Box<DataFusionError>) -> Self {
        Error::DataFusion(e)
    }
}

impl From<ArrowError> for Error {
    fn from(e: ArrowError) -> Self {
        Error::Arrow(e)
    }
}

impl From<DeltaTableError> for Error {
    fn from(e: DeltaTableError) -> Self {
        Error::Delta(Box::new(e))
    }
}

impl From<DataFusionError> for Error {
    fn from(e: DataFusionError) -> Self {
        Error::DataFusion(Box::new(e))
    }
}

/// A size over a limit: what [`Error::TooLarge`] says of its file.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{} more than the limit of {limit} bytes ({setting})",
    size.map_or_else(|| "the file holds".to_string(), |n| format!("{n} bytes,"))
)]
pub struct TooLarge {
    /// The file's size, when known before reading it (not for a pipe or a device).
    pub size: Option<u64>,
    /// The limit, in bytes.
    pub limit: u64,
    /// Where the limit is set, e.g. `[land] max_file_bytes`.
    pub setting: &'static str,
}

/// `Result` with joblake's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_that_are_not_configuration_do_not_say_so() {
        let errors = [
            Error::Internal("a job loop panicked: boom".into()),
            Error::Lease {
                path: "_meta/leases/tables/7.json".into(),
                message: "unreadable: EOF".into(),
            },
            Error::Meta {
                table: "meta.runs".into(),
                message: "does not read back".into(),
            },
            Error::Encode {
                what: "the refresh state".into(),
                message: "key must be a string".into(),
            },
            Error::Tool {
                command: "python3 -m venv".into(),
                message: "failed (exit status: 1)".into(),
            },
            Error::Serve {
                addr: "127.0.0.1:9464".into(),
                message: "address in use".into(),
            },
            Error::Terminal("not a tty".into()),
            Error::Usage("usage: \\pset maxrows N | \\pset width N".into()),
        ];
        for e in &errors {
            let text = e.to_string();
            assert!(!text.starts_with("configuration"), "{text}");
        }
        // Each names its culprit.
        assert_eq!(
            errors[1].to_string(),
            "lease _meta/leases/tables/7.json: unreadable: EOF"
        );
        assert_eq!(
            errors[5].to_string(),
            "cannot serve on 127.0.0.1:9464: address in use"
        );
        assert_eq!(
            errors[0].to_string(),
            "internal error (a bug, please report it): a job loop panicked: boom"
        );
        assert_eq!(
            Error::Config("no job `x`".into()).to_string(),
            "configuration: no job `x`"
        );
    }
}

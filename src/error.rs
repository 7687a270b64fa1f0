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
    ObjectStore(#[from] object_store::Error),
    /// A Delta table operation failed.
    #[error("delta table: {0}")]
    Delta(#[from] Box<DeltaTableError>),
    /// Planning or running a query failed.
    #[error("{0}")]
    DataFusion(#[from] Box<DataFusionError>),
    /// Building Arrow data failed.
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A SQL model could not be loaded or run.
    #[error("model {model}: {message}")]
    Model {
        /// Qualified model name, e.g. `silver.job_postings`.
        model: String,
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
    /// A bronze file could not be read.
    #[error("bronze file {file}: {message}")]
    Bronze {
        /// The bronze object at fault.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The warehouse (PostgreSQL or SQLite) refused or failed an operation.
    #[error("warehouse {0}")]
    Warehouse(String),
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

/// `Result` with joblake's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! Delta tables on S3 through `object_store`'s own S3 client, the one bronze already uses.
//!
//! delta-rs's `s3` feature would compile the AWS SDK (aws-config, the STS, SSO and SSO-OIDC
//! clients and the smithy runtime: 21 crates) only to resolve credentials (docs/performance.md,
//! "Build"). `object_store` resolves them itself, from the `AWS_*` environment, a web identity
//! (EKS), the ECS task role, EKS pod identity or the EC2 instance role, so bronze and the Delta
//! tables now use one credential chain. Commits are create-only writes
//! (`If-None-Match: *`), which S3 and the S3-compatible servers support: no locking service.

use std::str::FromStr;
use std::sync::{Arc, Once};

use deltalake::logstore::object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use deltalake::logstore::object_store::client::SpawnedReqwestConnector;
use deltalake::logstore::object_store::{ObjectStoreScheme, path::Path};
use deltalake::logstore::{
    LogStore, LogStoreFactory, ObjectStoreFactory, ObjectStoreRef, StorageConfig,
    client_options_from_certificate, default_logstore, logstore_factories, object_store_factories,
};
use deltalake::{DeltaResult, DeltaTableError};
use url::Url;

/// The URL schemes served here.
const SCHEMES: [&str; 2] = ["s3", "s3a"];

/// Registers the S3 store and log store with delta-rs for `s3://` and `s3a://` tables (once
/// per process).
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let stores = Arc::new(S3StoreFactory);
        let logs = Arc::new(S3LogStoreFactory);
        for scheme in SCHEMES {
            if let Ok(url) = Url::parse(&format!("{scheme}://")) {
                object_store_factories().insert(url.clone(), stores.clone());
                logstore_factories().insert(url, logs.clone());
            }
        }
    });
}

/// Builds the S3 client of a Delta table from its storage options, then the environment.
#[derive(Debug, Default)]
struct S3StoreFactory;

impl ObjectStoreFactory for S3StoreFactory {
    fn parse_url_opts(
        &self,
        url: &Url,
        config: &StorageConfig,
    ) -> DeltaResult<(ObjectStoreRef, Path)> {
        // `from_env` first: an option given to the lake overrides the environment.
        let mut builder = AmazonS3Builder::from_env().with_url(url.to_string());
        for (key, value) in &config.raw {
            if let Ok(key) = AmazonS3ConfigKey::from_str(&key.to_ascii_lowercase()) {
                builder = builder.with_config(key, value.clone());
            }
        }
        let copy = AmazonS3ConfigKey::CopyIfNotExists;
        if builder.get_config_value(&copy).is_none() {
            // S3 has no create-only copy; a multipart copy with `If-None-Match` is one.
            builder = builder.with_config(copy, "multipart");
        }
        if let Some(runtime) = &config.runtime {
            builder =
                builder.with_http_connector(SpawnedReqwestConnector::new(runtime.get_handle()));
        }
        if let Some(path) = config
            .certificate
            .as_ref()
            .and_then(|c| c.certificate_path.as_deref())
        {
            builder = builder.with_client_options(client_options_from_certificate(path)?);
        }
        let (_, path) =
            ObjectStoreScheme::parse(url).map_err(|e| DeltaTableError::GenericError {
                source: Box::new(e),
            })?;
        Ok((Arc::new(builder.build()?), Path::parse(path)?))
    }
}

/// delta-rs's default log store: commits by create-only writes.
#[derive(Debug, Default)]
struct S3LogStoreFactory;

impl LogStoreFactory for S3LogStoreFactory {
    fn with_options(
        &self,
        prefixed_store: ObjectStoreRef,
        root_store: ObjectStoreRef,
        location: &Url,
        options: &StorageConfig,
    ) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}

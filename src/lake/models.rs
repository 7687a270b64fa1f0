//! Trained models kept in the lake: `_meta/models/<name>/<version>/model.json` (what it is,
//! what it was trained on, how it scored) and `weights-<sha256>.bin` (its parameters),
//! versions 1, 2, ...
//!
//! A version exists once its `model.json` does: the weights are written first, under a name
//! made of their own hash, then `model.json` with a create-only put, so a reader never finds a
//! version without its weights, and two trainers racing for the same version cannot mix their
//! files (the loser takes the next number). The hash is checked on load. Versions are never
//! changed or removed by joblake.

use bytes::Bytes;
use futures::TryStreamExt;
use joblake_model::{ModelKind, ModelMeta};
use object_store::{ObjectStoreExt, PutMode, PutOptions, PutPayload};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::lake::Lake;

/// Where the models live, relative to the lake.
pub const DIR: &str = "_meta/models";

/// A model read back: its description and its weights.
#[derive(Debug, Clone)]
pub struct StoredModel {
    /// `model.json`.
    pub meta: ModelMeta,
    /// The weights file's bytes (hash checked).
    pub weights: Bytes,
}

fn version_dir(kind: ModelKind, version: u64) -> String {
    format!("{DIR}/{kind}/{version}")
}

fn corrupt(path: &str, message: impl std::fmt::Display) -> Error {
    Error::TrainedModel {
        path: path.to_string(),
        message: message.to_string(),
    }
}

/// The versions of `kind` that exist (have a `model.json`), ascending.
pub async fn versions(lake: &Lake, kind: ModelKind) -> Result<Vec<u64>> {
    let prefix = lake.path(&format!("{DIR}/{kind}"));
    let objects: Vec<_> = lake.store().list(Some(&prefix)).try_collect().await?;
    let mut out: Vec<u64> = objects
        .iter()
        .filter_map(|o| {
            let rel = lake.relative(&o.location);
            let rest = rel.strip_prefix(&format!("{DIR}/{kind}/"))?;
            let (version, file) = rest.split_once('/')?;
            (file == "model.json").then(|| version.parse().ok())?
        })
        .collect();
    out.sort_unstable();
    Ok(out)
}

/// `model.json` of a version.
pub async fn meta(lake: &Lake, kind: ModelKind, version: u64) -> Result<ModelMeta> {
    let rel = format!("{}/model.json", version_dir(kind, version));
    let bytes = lake.store().get(&lake.path(&rel)).await?.bytes().await?;
    serde_json::from_slice(&bytes).map_err(|e| corrupt(&rel, e))
}

/// The newest version of `kind`, if any was trained.
pub async fn latest(lake: &Lake, kind: ModelKind) -> Result<Option<StoredModel>> {
    let Some(&version) = versions(lake, kind).await?.last() else {
        return Ok(None);
    };
    let meta = meta(lake, kind, version).await?;
    if meta.weights_file.contains('/') || meta.weights_file.starts_with('.') {
        return Err(corrupt(
            &format!("{}/model.json", version_dir(kind, version)),
            format!("weights_file {:?} is not a file name", meta.weights_file),
        ));
    }
    let rel = format!("{}/{}", version_dir(kind, version), meta.weights_file);
    let weights = lake.store().get(&lake.path(&rel)).await?.bytes().await?;
    let hash = hex::encode(Sha256::digest(&weights));
    if hash != meta.weights_sha256 {
        return Err(corrupt(
            &rel,
            format!(
                "SHA-256 {hash} differs from the {} that model.json records: the file was changed",
                meta.weights_sha256
            ),
        ));
    }
    Ok(Some(StoredModel { meta, weights }))
}

/// Every version of every model, oldest first within a model.
pub async fn list(lake: &Lake) -> Result<Vec<ModelMeta>> {
    let mut out = Vec::new();
    for kind in ModelKind::ALL {
        for version in versions(lake, kind).await? {
            out.push(meta(lake, kind, version).await?);
        }
    }
    Ok(out)
}

/// Stores a new version of `meta.name`: the next number (written into `meta.version`, with
/// the weights' file name and hash). Returns the version.
pub async fn save(lake: &Lake, meta: &mut ModelMeta, weights: Vec<u8>) -> Result<u64> {
    let hash = hex::encode(Sha256::digest(&weights));
    meta.weights_file = format!("weights-{}.bin", &hash[..16]);
    meta.weights_sha256 = hash;
    let weights = Bytes::from(weights);
    let mut version = versions(lake, meta.name).await?.last().map_or(1, |v| v + 1);
    loop {
        meta.version = version;
        let dir = version_dir(meta.name, version);
        lake.store()
            .put(
                &lake.path(&format!("{dir}/{}", meta.weights_file)),
                PutPayload::from(weights.clone()),
            )
            .await?;
        let json = serde_json::to_vec_pretty(meta).map_err(|e| Error::Encode {
            what: format!("{dir}/model.json"),
            message: e.to_string(),
        })?;
        let create = PutOptions::from(PutMode::Create);
        match lake
            .store()
            .put_opts(
                &lake.path(&format!("{dir}/model.json")),
                PutPayload::from(json),
                create,
            )
            .await
        {
            Ok(_) => return Ok(version),
            // Another trainer took this version: take the next (our weights file, named by
            // its hash, cannot have replaced the one its model.json names unless identical).
            Err(object_store::Error::AlreadyExists { .. }) => version += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

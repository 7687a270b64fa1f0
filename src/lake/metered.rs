//! The object store of a metered lake handle ([`super::Lake::metered`]): the store it wraps,
//! with the bytes every get and put moves, and each request by kind ([`StoreRequest`]), added
//! to the run's [`RunMeter`]. [`iam_actions`] says which S3 permission each kind needs: the
//! pipeline's IAM policy (`infrastructure/aws/iam/`) is checked against it.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result, UploadPart,
};

use crate::meter::{RunMeter, StoreRequest};

/// The S3 permissions (IAM actions) a kind of request needs: the one list that the
/// pipeline's policy is checked against (`tests/it/infrastructure.rs`).
pub fn iam_actions(request: StoreRequest) -> &'static [&'static str] {
    match request {
        // A GET of a missing key answers 404 rather than 403 only with s3:ListBucket, and the
        // code relies on 404 (markers, leases, Delta's log).
        StoreRequest::Get => &["s3:GetObject", "s3:ListBucket"],
        StoreRequest::Put | StoreRequest::Multipart => &["s3:PutObject"],
        StoreRequest::AbortMultipart => &["s3:AbortMultipartUpload"],
        StoreRequest::List => &["s3:ListBucket"],
        StoreRequest::Delete => &["s3:DeleteObject"],
        StoreRequest::Copy => &["s3:GetObject", "s3:PutObject"],
        StoreRequest::Rename => &["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
    }
}

/// An object store that counts the bytes read and written through it.
#[derive(Debug)]
pub struct MeteredStore {
    inner: Arc<dyn ObjectStore>,
    meter: Arc<RunMeter>,
}

impl MeteredStore {
    /// Wraps `inner`, counting into `meter`.
    pub fn new(inner: Arc<dyn ObjectStore>, meter: Arc<RunMeter>) -> MeteredStore {
        MeteredStore { inner, meter }
    }
}

impl fmt::Display for MeteredStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Metered({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for MeteredStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let n = payload.content_length() as u64;
        self.meter.add_request(StoreRequest::Put);
        let result = self.inner.put_opts(location, payload, opts).await?;
        self.meter.add_bytes_written(n);
        Ok(result)
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.meter.add_request(StoreRequest::Multipart);
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(MeteredUpload {
            inner,
            meter: self.meter.clone(),
        }))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.meter.add_request(StoreRequest::Get);
        let result = self.inner.get_opts(location, options).await?;
        // The range served is what the caller reads (a head request serves none).
        self.meter
            .add_bytes_read(result.range.end.saturating_sub(result.range.start));
        Ok(result)
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.meter.add_request(StoreRequest::Get);
        let parts = self.inner.get_ranges(location, ranges).await?;
        self.meter
            .add_bytes_read(parts.iter().map(|p| p.len() as u64).sum());
        Ok(parts)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.meter.add_request(StoreRequest::Delete);
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.meter.add_request(StoreRequest::List);
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.meter.add_request(StoreRequest::List);
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.meter.add_request(StoreRequest::List);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.meter.add_request(StoreRequest::Copy);
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.meter.add_request(StoreRequest::Rename);
        self.inner.rename_opts(from, to, options).await
    }
}

/// A multipart upload whose parts count as bytes written.
#[derive(Debug)]
struct MeteredUpload {
    inner: Box<dyn MultipartUpload>,
    meter: Arc<RunMeter>,
}

#[async_trait]
impl MultipartUpload for MeteredUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        self.meter.add_bytes_written(data.content_length() as u64);
        self.inner.put_part(data)
    }

    async fn complete(&mut self) -> Result<PutResult> {
        self.inner.complete().await
    }

    async fn abort(&mut self) -> Result<()> {
        self.meter.add_request(StoreRequest::AbortMultipart);
        self.inner.abort().await
    }
}

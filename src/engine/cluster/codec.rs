//! How joblake's tables travel in a plan sent to the cluster: Ballista's own codecs for
//! everything they know, plus what a joblake session hands out that DataFusion cannot
//! serialize. Logical plans (client to scheduler) carry a Delta snapshot's files
//! ([`DeltaFiles`]), the in-memory reference tables (`ref.*`, as Arrow IPC) and the bronze
//! tables (which files, not their content); physical plans (scheduler to executors) carry the
//! bronze scan ([`BronzeScanExec`]) as its list of files. Both sides decode over their own
//! handle on the same lake.

use std::sync::Arc;

use ballista_core::serde::{BallistaLogicalExtensionCodec, BallistaPhysicalExtensionCodec};
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::ipc::reader::StreamReader;
use deltalake::arrow::ipc::writer::StreamWriter;
use deltalake::datafusion::catalog::{MemTable, TableProvider};
use deltalake::datafusion::common::TableReference;
use deltalake::datafusion::datasource::file_format::FileFormatFactory;
use deltalake::datafusion::error::{DataFusionError, Result as DfResult};
use deltalake::datafusion::execution::TaskContext;
use deltalake::datafusion::logical_expr::{
    AggregateUDF, Extension, LogicalPlan, ScalarUDF, WindowUDF,
};
use deltalake::datafusion::physical_plan::ExecutionPlan;

use super::table::{DeltaFiles, DeltaFilesSpec};
use crate::bronze::BronzeTable;
use crate::bronze::table::{BronzeScanExec, BronzeScanSpec, BronzeTableSpec};
use crate::lake::Lake;

/// The first byte of a joblake provider's encoding; Ballista's own follow [`Tag::Ballista`].
#[repr(u8)]
enum Tag {
    Ballista = 0,
    DeltaFiles = 1,
    Memory = 2,
    Bronze = 3,
}

/// joblake's logical codec: Ballista's, plus [`DeltaFiles`], memory and bronze tables.
#[derive(Debug)]
pub struct JoblakeLogicalCodec {
    inner: BallistaLogicalExtensionCodec,
    lake: Lake,
}

impl JoblakeLogicalCodec {
    /// The codec of a process over `lake`: bronze tables decode over it.
    pub fn new(lake: Lake) -> Self {
        JoblakeLogicalCodec {
            inner: BallistaLogicalExtensionCodec::default(),
            lake,
        }
    }
}

fn internal(e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Internal(format!("joblake cluster codec: {e}"))
}

impl LogicalExtensionCodec for JoblakeLogicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[LogicalPlan],
        ctx: &TaskContext,
    ) -> DfResult<Extension> {
        self.inner.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> DfResult<Arc<dyn TableProvider>> {
        let Some((tag, body)) = buf.split_first() else {
            return Err(internal(format!("{table_ref}: an empty table encoding")));
        };
        match *tag {
            t if t == Tag::DeltaFiles as u8 => {
                let spec: DeltaFilesSpec = serde_json::from_slice(body).map_err(internal)?;
                Ok(Arc::new(DeltaFiles::from_spec(spec, schema)))
            }
            t if t == Tag::Memory as u8 => {
                let reader = StreamReader::try_new(body, None)?;
                let batches = reader.collect::<Result<Vec<RecordBatch>, _>>()?;
                Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
            }
            t if t == Tag::Bronze as u8 => {
                let spec: BronzeTableSpec = serde_json::from_slice(body).map_err(internal)?;
                Ok(Arc::new(BronzeTable::from_spec(self.lake.clone(), spec)))
            }
            t if t == Tag::Ballista as u8 => self
                .inner
                .try_decode_table_provider(body, table_ref, schema, ctx),
            other => Err(internal(format!("{table_ref}: unknown table tag {other}"))),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> DfResult<()> {
        if let Some(files) = node.downcast_ref::<DeltaFiles>() {
            buf.push(Tag::DeltaFiles as u8);
            serde_json::to_writer(&mut *buf, &files.spec()).map_err(internal)?;
            return Ok(());
        }
        if let Some(bronze) = node.downcast_ref::<BronzeTable>() {
            buf.push(Tag::Bronze as u8);
            serde_json::to_writer(&mut *buf, &bronze.spec()).map_err(internal)?;
            return Ok(());
        }
        if let Some(memory) = node.downcast_ref::<MemTable>() {
            buf.push(Tag::Memory as u8);
            let mut writer = StreamWriter::try_new(&mut *buf, &memory.schema())?;
            for partition in &memory.batches {
                // Nothing writes a reference table after the session is built.
                let batches = partition
                    .try_read()
                    .map_err(|_| internal(format!("{table_ref} is being written")))?;
                for batch in batches.iter() {
                    writer.write(batch)?;
                }
            }
            writer.finish()?;
            return Ok(());
        }
        buf.push(Tag::Ballista as u8);
        self.inner
            .try_encode_table_provider(table_ref, node, buf)
            .map_err(|e| {
                DataFusionError::NotImplemented(format!(
                    "{table_ref} cannot run on the cluster (its table is not one the cluster can read: {e})"
                ))
            })
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> DfResult<Arc<dyn FileFormatFactory>> {
        self.inner.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn FileFormatFactory>,
    ) -> DfResult<()> {
        self.inner.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<ScalarUDF>> {
        self.inner.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<AggregateUDF>> {
        self.inner.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> DfResult<Arc<WindowUDF>> {
        self.inner.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> DfResult<()> {
        self.inner.try_encode_udwf(node, buf)
    }
}

/// joblake's physical codec: Ballista's, plus the bronze scan.
#[derive(Debug)]
pub struct JoblakePhysicalCodec {
    inner: BallistaPhysicalExtensionCodec,
    lake: Lake,
}

impl JoblakePhysicalCodec {
    /// The codec of a process over `lake`: bronze scans read from it.
    pub fn new(lake: Lake) -> Self {
        JoblakePhysicalCodec {
            inner: BallistaPhysicalExtensionCodec::default(),
            lake,
        }
    }
}

impl PhysicalExtensionCodec for JoblakePhysicalCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let Some((tag, body)) = buf.split_first() else {
            return Err(internal("an empty plan encoding"));
        };
        match *tag {
            t if t == Tag::Bronze as u8 => {
                let spec: BronzeScanSpec = serde_json::from_slice(body).map_err(internal)?;
                Ok(Arc::new(BronzeScanExec::new(self.lake.clone(), spec)?))
            }
            t if t == Tag::Ballista as u8 => {
                self.inner.try_decode(body, inputs, ctx, proto_converter)
            }
            other => Err(internal(format!("unknown plan tag {other}"))),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        proto_converter: &dyn PhysicalProtoConverterExtension,
    ) -> DfResult<()> {
        if let Some(scan) = node.downcast_ref::<BronzeScanExec>() {
            buf.push(Tag::Bronze as u8);
            return serde_json::to_writer(&mut *buf, scan.spec()).map_err(internal);
        }
        buf.push(Tag::Ballista as u8);
        self.inner.try_encode(node, buf, proto_converter)
    }
}

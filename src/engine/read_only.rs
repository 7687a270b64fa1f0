//! A table that can be read but never written through SQL: the providers of `meta.*` (the
//! run log and the audit trail), so that no `INSERT`, `DELETE`, `UPDATE`, `TRUNCATE` or
//! `MERGE` reaches them, whatever name the statement spells the table with.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use deltalake::datafusion::common::{Constraints, Statistics};
use deltalake::datafusion::error::Result;
use deltalake::datafusion::logical_expr::{
    Expr, LogicalPlan, TableProviderFilterPushDown, TableType,
};
use deltalake::datafusion::physical_plan::ExecutionPlan;

/// Delegates every read to the table it wraps; every write falls to the trait's default,
/// which refuses it.
#[derive(Debug)]
pub struct ReadOnlyTable {
    inner: Arc<dyn TableProvider>,
}

impl ReadOnlyTable {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn TableProvider>) -> ReadOnlyTable {
        ReadOnlyTable { inner }
    }
}

#[async_trait]
impl TableProvider for ReadOnlyTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn constraints(&self) -> Option<&Constraints> {
        self.inner.constraints()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn get_table_definition(&self) -> Option<&str> {
        self.inner.get_table_definition()
    }

    fn get_logical_plan(&'_ self) -> Option<Cow<'_, LogicalPlan>> {
        self.inner.get_logical_plan()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.inner.scan(state, projection, filters, limit).await
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        self.inner.scan_with_args(state, args).await
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }
}

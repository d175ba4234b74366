//! The durable store (SQLite, WAL): schema and migrations ([`schema`]), the lossless header
//! encoding ([`headers`]), the single group-commit [`Writer`] and the read/query [`Store`].
//! The store is the truth: a delivery is acknowledged only after its transaction committed,
//! and dedupe is decided atomically by the store, never check-then-insert.

mod error;
pub mod headers;
pub mod jobs;
pub mod schema;
mod writer;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::delivery::{Delivery, DeliveryId, Summary, Verdict};

pub use error::StoreError;
pub use schema::SCHEMA_VERSION;
pub use writer::{BatchPolicy, LINGER_STEP, Writer, WriterHandle, WriterStats};

#[cfg(test)]
mod tests;

/// Summaries a read reserves room for up front (a page of history is read in one
/// allocation rather than a chain of doublings that the allocator keeps for later).
const PREALLOCATE_SUMMARIES: usize = 100_000;

/// How long a reader waits for a lock (readers rarely wait in WAL mode: only while the
/// database is being created or migrated).
const READ_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The columns of a [`Summary`], in the order [`summary_from_row`] reads them.
const SUMMARY_COLUMNS: &str = "id, received_at_ms, provider, event_type, event_id, verdict, \
     duplicate, status, bytes, path, replay_of";

/// A read/query handle with its own connection (WAL readers never block the writer).
/// Not `Sync`: give each thread or task that reads its own `Store`.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Open the database at `path`, creating its directory and file and migrating the
    /// schema if needed. A database written by a newer build is an error.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = schema::open_connection(path, READ_BUSY_TIMEOUT, false)?;
        Ok(Store { conn })
    }

    /// One whole delivery (headers and body included).
    pub fn get(&self, id: DeliveryId) -> Result<Option<Delivery>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, method, headers, body, dedupe_key, explanation \
             FROM deliveries WHERE id = ?1"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let row = stmt
            .query_row([id], |row| {
                let summary = summary_from_row(row)?;
                let method: String = row.get(11)?;
                let headers: Vec<u8> = row.get(12)?;
                let body: Vec<u8> = row.get(13)?;
                let dedupe_key: Option<String> = row.get(14)?;
                let explanation: Option<String> = row.get(15)?;
                Ok((summary, method, headers, body, dedupe_key, explanation))
            })
            .optional()?;
        let Some((summary, method, raw_headers, body, dedupe_key, explanation)) = row else {
            return Ok(None);
        };
        Ok(Some(Delivery {
            summary: summary?,
            method,
            headers: headers::decode(&raw_headers)?,
            body,
            dedupe_key,
            explanation,
        }))
    }

    /// Up to `limit` summaries, newest first, older than `before` when given (paging).
    pub fn recent(
        &self,
        limit: usize,
        before: Option<DeliveryId>,
    ) -> Result<Vec<Summary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM deliveries WHERE id < ?1 ORDER BY id DESC LIMIT ?2"
        );
        self.summaries(&sql, before.unwrap_or(DeliveryId::MAX), limit)
    }

    /// Up to `limit` summaries with id greater than `after`, oldest first (catch-up after
    /// a subscriber lagged).
    pub fn after(&self, after: DeliveryId, limit: usize) -> Result<Vec<Summary>, StoreError> {
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM deliveries WHERE id > ?1 ORDER BY id ASC LIMIT ?2"
        );
        self.summaries(&sql, after, limit)
    }

    fn summaries(
        &self,
        sql: &str,
        bound: DeliveryId,
        limit: usize,
    ) -> Result<Vec<Summary>, StoreError> {
        let mut out = Vec::with_capacity(limit.min(PREALLOCATE_SUMMARIES));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![bound, limit], summary_from_row)?;
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// Every handler run of a delivery, oldest first.
    pub fn runs(&self, id: DeliveryId) -> Result<Vec<jobs::Run>, StoreError> {
        jobs::runs(&self.conn, id)
    }

    /// The handler column for deliveries with jobs, newer than `since`.
    pub fn handler_cells(
        &self,
        since: Option<DeliveryId>,
    ) -> Result<Vec<(DeliveryId, jobs::HandlerCell)>, StoreError> {
        jobs::cells(&self.conn, since)
    }

    /// Number of stored deliveries.
    pub fn count(&self) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM deliveries")?;
        let n: i64 = stmt.query_row([], |r| r.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The raw body of one delivery.
    pub fn body(&self, id: DeliveryId) -> Result<Option<Vec<u8>>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM deliveries WHERE id = ?1")?;
        Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
    }

    /// Ids (ascending) of deliveries whose raw body contains `needle`, ignoring ASCII case,
    /// only among ids greater than `ids_newer_than` when given. An empty needle matches
    /// every body. Bodies are scanned in place, one at a time (memory stays bounded).
    pub fn search_bodies(
        &self,
        needle: &[u8],
        ids_newer_than: Option<DeliveryId>,
    ) -> Result<Vec<DeliveryId>, StoreError> {
        let needle = needle.to_ascii_lowercase();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, body FROM deliveries WHERE id > ?1 ORDER BY id ASC")?;
        let mut rows = stmt.query([ids_newer_than.unwrap_or(DeliveryId::MIN)])?;
        let mut ids = Vec::new();
        while let Some(row) = rows.next()? {
            let body = row.get_ref(1)?;
            let bytes = body
                .as_blob_or_null()
                .map_err(|e| StoreError::Corrupt(format!("a stored body is not bytes: {e}")))?
                .unwrap_or_default();
            if contains_ignore_ascii_case(bytes, &needle) {
                ids.push(row.get(0)?);
            }
        }
        Ok(ids)
    }
}

/// Whether `haystack` contains `needle_lower` (already ASCII-lowercased), ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &[u8], needle_lower: &[u8]) -> bool {
    let Some((&first, rest)) = needle_lower.split_first() else {
        return true;
    };
    if haystack.len() < needle_lower.len() {
        return false;
    }
    let last_start = haystack.len() - needle_lower.len();
    (0..=last_start).any(|i| {
        haystack[i].to_ascii_lowercase() == first
            && haystack[i + 1..i + needle_lower.len()].eq_ignore_ascii_case(rest)
    })
}

/// Read a [`Summary`] from the first columns of `row` (see [`SUMMARY_COLUMNS`]). The outer
/// error is SQLite's; the inner one a stored value that does not decode.
fn summary_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Summary, StoreError>> {
    let verdict_text: String = row.get(5)?;
    let status: i64 = row.get(7)?;
    let bytes: i64 = row.get(8)?;
    let Some(verdict) = Verdict::parse(&verdict_text) else {
        return Ok(Err(StoreError::Corrupt(format!(
            "unknown verdict {verdict_text:?} stored"
        ))));
    };
    Ok(Ok(Summary {
        id: row.get(0)?,
        received_at_ms: row.get(1)?,
        provider: row.get(2)?,
        event_type: row.get(3)?,
        event_id: row.get(4)?,
        verdict,
        duplicate: row.get::<_, i64>(6)? != 0,
        status: u16::try_from(status).unwrap_or(0),
        bytes: u64::try_from(bytes).unwrap_or(0),
        path: row.get(9)?,
        replay_of: row.get(10)?,
    }))
}

//! One group commit: every queued delivery inserted in a single `BEGIN IMMEDIATE`
//! transaction with cached statements, dedupe decided by the `dedupe` key space.

use rusqlite::{Connection, TransactionBehavior, params};

use super::Pending;
use crate::delivery::{DeliveryId, NewDelivery, Summary};
use crate::store::{StoreError, headers};

const INSERT_SQL: &str = "INSERT INTO deliveries (id, received_at_ms, method, path, headers, body, \
     bytes, provider, event_type, event_id, dedupe_key, verdict, duplicate, status, \
     explanation, replay_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
const DEDUPE_SQL: &str =
    "INSERT OR IGNORE INTO dedupe (provider, key, first_id) VALUES (?1, ?2, ?3)";
const LAST_ID_SQL: &str = "SELECT coalesce(max(id), 0) FROM deliveries";

/// Insert every row of `batch` in one transaction; returns (id, duplicate) per row, in order.
/// On error the transaction is rolled back (dropped) and nothing of the batch is stored.
pub(super) fn write_batch(
    conn: &mut Connection,
    batch: &[Pending],
    header_buf: &mut Vec<u8>,
) -> Result<Vec<(DeliveryId, bool)>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut rows = Vec::with_capacity(batch.len());
    {
        // The write lock is held: ids are assigned here, so the dedupe key space can be
        // claimed before the row is written (one insert per row, duplicate or not).
        let last_id: DeliveryId = tx
            .prepare_cached(LAST_ID_SQL)?
            .query_row([], |r| r.get(0))?;
        let mut insert = tx.prepare_cached(INSERT_SQL)?;
        let mut dedupe = tx.prepare_cached(DEDUPE_SQL)?;
        for (id, Pending { delivery: d, .. }) in (last_id + 1..).zip(batch) {
            // The store decides: the key space insert is atomic, so two deliveries with
            // the same key can never both be first. No key, never a duplicate.
            let duplicate = match &d.dedupe_key {
                Some(key) => {
                    let scope = d.provider.as_deref().unwrap_or("");
                    dedupe.execute(params![scope, key, id])? == 0
                }
                None => false,
            };
            header_buf.clear();
            headers::encode_into(&d.headers, header_buf);
            insert.execute(params![
                id,
                d.received_at_ms,
                d.method,
                d.path,
                header_buf.as_slice(),
                d.body.as_slice(),
                i64::try_from(d.bytes).unwrap_or(i64::MAX),
                d.provider,
                d.event_type,
                d.event_id,
                d.dedupe_key,
                d.verdict.as_str(),
                duplicate,
                i64::from(d.status),
                d.explanation,
                d.replay_of,
            ])?;
            rows.push((id, duplicate));
        }
    }
    tx.commit()?;
    Ok(rows)
}

pub(super) fn summary_of(id: DeliveryId, duplicate: bool, d: NewDelivery) -> Summary {
    Summary {
        id,
        received_at_ms: d.received_at_ms,
        provider: d.provider,
        event_type: d.event_type,
        event_id: d.event_id,
        verdict: d.verdict,
        duplicate,
        status: d.status,
        bytes: d.bytes,
        path: d.path,
        replay_of: d.replay_of,
    }
}

//! One group commit: every queued delivery inserted in a single `BEGIN IMMEDIATE`
//! transaction with cached statements, dedupe decided by the `dedupe` key space.

use rusqlite::{Connection, TransactionBehavior, params};

use super::Pending;
use crate::delivery::{DeliveryId, NewDelivery, Summary};
use crate::store::{StoreError, headers};

const INSERT_SQL: &str = "INSERT INTO deliveries (received_at_ms, method, path, headers, body, \
     bytes, provider, event_type, event_id, dedupe_key, verdict, duplicate, status, \
     explanation, replay_of) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14)";
const DEDUPE_SQL: &str =
    "INSERT OR IGNORE INTO dedupe (provider, key, first_id) VALUES (?1, ?2, ?3)";
const MARK_DUPLICATE_SQL: &str = "UPDATE deliveries SET duplicate = 1 WHERE id = ?1";

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
        let mut insert = tx.prepare_cached(INSERT_SQL)?;
        let mut dedupe = tx.prepare_cached(DEDUPE_SQL)?;
        let mut mark = tx.prepare_cached(MARK_DUPLICATE_SQL)?;
        for Pending { delivery: d, .. } in batch {
            header_buf.clear();
            headers::encode_into(&d.headers, header_buf);
            let id = insert.insert(params![
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
                i64::from(d.status),
                d.explanation,
                d.replay_of,
            ])?;
            // The store decides: the key space insert is atomic, so two deliveries with
            // the same key can never both be first. No key, never a duplicate.
            let duplicate = match &d.dedupe_key {
                Some(key) => {
                    let scope = d.provider.as_deref().unwrap_or("");
                    dedupe.execute(params![scope, key, id])? == 0
                }
                None => false,
            };
            if duplicate {
                mark.execute([id])?;
            }
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

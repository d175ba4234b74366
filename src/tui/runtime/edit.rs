//! `e`: edit the selected payload in $EDITOR and replay it. The input reader is paused and
//! the terminal given back while the editor runs, then taken again; the edited copy is
//! re-signed and verified (`cmd::replay::edited_delivery`) and committed through the writer
//! as a new delivery marked as a replay (handlers pick it up like any other).

use crate::cmd::replay::{edit_in_editor, edited_delivery};
use crate::delivery::DeliveryId;
use crate::store::{Store, WriterHandle};
use crate::tui::app::Msg;
use crate::tui::terminal::{self, Term};
use crate::verify::{Registry, Secrets};
use anyhow::{Context as _, Result};

pub struct Context<'a> {
    pub registry: &'a Registry,
    pub secrets: &'a Secrets,
    pub writer: &'a WriterHandle,
    pub store: &'a Store,
}

/// Run the editor and commit the result; the error is only a terminal that cannot be
/// taken back (everything else becomes a toast).
pub async fn edit_replay(
    term: &mut Term,
    input: &super::input::Input,
    ctx: &Context<'_>,
    id: DeliveryId,
) -> Result<Msg> {
    let original = match ctx.store.get(id) {
        Ok(Some(d)) => d,
        Ok(None) => {
            return Ok(Msg::Replayed(Err(format!(
                "delivery #{id} is not in the store"
            ))));
        }
        Err(e) => return Ok(Msg::Replayed(Err(format!("cannot read #{id}: {e}")))),
    };
    input.pause();
    terminal::restore();
    let body = original.body.clone();
    let edited = tokio::task::spawn_blocking(move || edit_in_editor(&body)).await;
    *term = terminal::take().context("cannot take the terminal back after the editor")?;
    term.clear()?;
    input.resume();
    let edited = match edited {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return Ok(Msg::Replayed(Err(format!("{e:#}")))),
        Err(e) => return Ok(Msg::Replayed(Err(format!("the editor task failed: {e}")))),
    };
    if edited == original.body {
        return Ok(Msg::Replayed(Err(
            "payload unchanged: nothing replayed".into()
        )));
    }
    let new = edited_delivery(&original, edited, ctx.registry, ctx.secrets);
    Ok(Msg::Replayed(match ctx.writer.commit(new).await {
        Ok(s) => Ok((s.id, id, s.verdict)),
        Err(e) => Err(format!("cannot store the edited copy: {e}")),
    }))
}

//! `GET /auth/callback/<provider>?tx=…&<tokens>`: the end of a login whose provider appends the
//! tokens themselves to the redirect (`Delivery::RedirectTokens`, e.g. the plain SSO service).
//!
//! The provider redirects the browser here, so this is a top-level navigation from another site:
//! no `X-OAuth-Edge` header or `Origin` can be required (a navigation cannot carry the one and
//! does not reliably carry the other). The CSRF defence is the transaction instead: `/login`
//! appended a one-time 256-bit `tx` value to the redirect URI and sealed the same value into the
//! tx cookie (`SameSite=Lax`, so it comes along on this navigation). A forged redirect carrying
//! an attacker's tokens has no matching cookie in the victim's browser and is refused, so no one
//! can log a victim into the attacker's account (login CSRF, RFC 6749 §10.12).
//!
//! The transaction proves the browser began a login, not that the tokens are real or the user id
//! true: anyone who starts a login can type `access_token=x&user_id=admin` into this URL. So the
//! delivered tokens are confirmed with the provider first (`oauth_edge_shared::token::delivered`:
//! for document 004 a refresh with the claimed user name and the delivered refresh token), and
//! only the provider's answer makes a session.
//!
//! The tokens are stored in the session and never reach a page: the browser is sent on with a
//! `303` to the sanitised `return_to`, which holds no token (so none lands in history). Every
//! failure is a `303` to `/?oauth_edge_error=<code>`; the tx cookie is cleared either way.
use oauth_edge_shared::provider::Delivery;
use oauth_edge_shared::token::delivered::{confirmation_request, confirmed};
use oauth_edge_shared::token::parse_redirect_tokens;
use oauth_edge_shared::transaction::redirect_tx;

use super::{start_session, user_info, Call};
use crate::config::Provider;
use crate::cookies;
use crate::effects::Effects;
use crate::error::WorkerError;
use crate::reply::Reply;
use crate::transaction;

/// Handles the navigation to the callback of provider `name`. Only providers that deliver tokens
/// in the redirect have one (`404` otherwise); past that, the answer is always a redirect (with
/// `config_error` for a provider its configuration turned off).
pub(crate) async fn handle<E: Effects>(
    call: &Call<'_, E>,
    name: &str,
) -> Result<Reply, WorkerError> {
    if let Some(off) = call.config.disabled(name) {
        let e = off.error();
        call.fx.warn(&format!(
            "callback for `{name}`: {}",
            e.log_detail().unwrap_or_default()
        ));
        return Ok(e.into_redirect());
    }
    let provider = call
        .config
        .providers
        .iter()
        .find(|p| p.name == name)
        .filter(|p| matches!(p.config.dialect.delivery, Delivery::RedirectTokens { .. }))
        .ok_or(WorkerError::NotFound)?;
    Ok(finish(call, provider).await.unwrap_or_else(|e| {
        call.fx
            .warn(&format!("callback for `{name}`: {}", e.code()));
        e.into_redirect()
    }))
}

async fn finish<E: Effects>(call: &Call<'_, E>, provider: &Provider) -> Result<Reply, WorkerError> {
    let query = call.query.as_deref().unwrap_or_default();
    let tx = call
        .cookie(cookies::TX)
        .and_then(|sealed| transaction::open(&call.config.keys, sealed, call.now))
        .ok_or(WorkerError::NoTransaction)?;
    let given = redirect_tx(query)?;
    let return_to = tx.check_tokens(&provider.name, given.as_deref())?;
    let (delivered, claimed) = parse_redirect_tokens(&provider.config, query)?;
    super::count_login_finish(call).await?;
    // Confirmed with the provider before anything is stored: the redirect came from the browser.
    let request = confirmation_request(
        &provider.config,
        &provider.client_secret,
        &delivered,
        &claimed,
        &call.request_context()?,
    )?;
    let answer = call.fx.send(&request, call.config.upstream_timeout).await?;
    let (tokens, user) = confirmed(&provider.config, delivered, claimed, &answer)?;
    let user = user_info(call, provider, &tokens, user, None).await;
    let (_, session_cookie) =
        start_session(call, provider, tokens, user, Default::default()).await?;
    Ok(Reply::redirect(return_to)
        .with_cookie(cookies::clear_tx())
        .with_cookie(session_cookie))
}

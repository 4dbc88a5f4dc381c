//! OpenID Connect for the Worker (feature `oidc`): provider metadata ([`discovery`]) and ID
//! token validation ([`id_token`]) — pure functions over documents and tokens the Worker fetched.
pub mod discovery;
pub mod id_token;
pub mod logout;
pub mod logout_token;
#[cfg(test)]
mod test_signer;

/// Whether a login with `scope` is an OpenID Connect one (its answer must carry an ID token).
pub fn is_openid(scope: &str) -> bool {
    scope.split(' ').any(|s| s == "openid")
}

//! Who is asking, and may they: authentication of service-account tokens
//! (issued by the `serviceaccounts/<name>/token` subresource, as
//! `kubectl create token` asks), and RBAC authorization of every request
//! ([`rbac`]), answered 403 with kube-apiserver's wording when refused.
//!
//! The simulator's own credentials (its `--token`, a client certificate
//! signed by its CA, or no credentials on a plain-HTTP simulator) are the
//! cluster administrator: `system:masters`, allowed everything, as the
//! admin kubeconfig of a real cluster is. Service-account tokens are users
//! `system:serviceaccount:<namespace>:<name>` and hold what their Roles and
//! ClusterRoles grant.

pub mod rbac;
pub mod reviews;

use std::collections::HashMap;
use std::sync::Mutex;

use http::{header, HeaderMap, Method};
use serde_json::{json, Value};

use crate::api::paths::Route;
use crate::ops::Cluster;
use crate::status::{quote, ApiError};

/// An authenticated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub username: String,
    pub uid: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// The simulator's administrator.
    pub fn admin() -> Self {
        UserInfo {
            username: "kubernetes-admin".into(),
            uid: String::new(),
            groups: vec![
                "kubeadm:cluster-admins".into(),
                "system:masters".into(),
                "system:authenticated".into(),
            ],
        }
    }

    /// A service account's user.
    pub fn service_account(namespace: &str, name: &str, uid: &str) -> Self {
        UserInfo {
            username: format!("system:serviceaccount:{namespace}:{name}"),
            uid: uid.to_string(),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
        }
    }

    /// The service account this user is, if any: (namespace, name).
    pub fn service_account_of(&self) -> Option<(&str, &str)> {
        let rest = self.username.strip_prefix("system:serviceaccount:")?;
        rest.split_once(':')
    }

    /// As `UserInfo` JSON.
    pub fn to_json(&self) -> Value {
        let mut v = json!({ "username": self.username, "groups": self.groups });
        if !self.uid.is_empty() {
            v["uid"] = json!(self.uid);
        }
        v
    }
}

/// A token issued for a service account.
#[derive(Debug, Clone)]
struct Issued {
    namespace: String,
    name: String,
    uid: String,
    expires: chrono::DateTime<chrono::Utc>,
}

/// The tokens a cluster has issued.
#[derive(Debug, Default)]
pub struct Tokens {
    issued: Mutex<HashMap<String, Issued>>,
}

impl Tokens {
    /// Issues a token for the service account, valid for `seconds`.
    pub fn issue(
        &self,
        namespace: &str,
        name: &str,
        uid: &str,
        seconds: i64,
    ) -> (String, chrono::DateTime<chrono::Utc>) {
        use base64::Engine;
        let claims = json!({ "iss": "https://kubernetes.default.svc", "sub": format!("system:serviceaccount:{namespace}:{name}"), "jti": uuid::Uuid::new_v4().to_string() });
        let enc =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        // JWT-shaped, as clients may expect; only this simulator reads it.
        let token = format!(
            "{}.{}.{}",
            enc(&json!({ "alg": "none", "kid": "berth-sim" })),
            enc(&claims),
            uuid::Uuid::new_v4().simple()
        );
        let expires = chrono::Utc::now() + chrono::Duration::seconds(seconds);
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                token.clone(),
                Issued {
                    namespace: namespace.into(),
                    name: name.into(),
                    uid: uid.into(),
                    expires,
                },
            );
        (token, expires)
    }

    fn lookup(&self, token: &str) -> Option<Issued> {
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(token)
            .cloned()
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The service-account user a token stands for: issued here, not expired,
/// and its service account still the one it was issued for.
pub fn token_user(cluster: &Cluster, token: &str) -> Option<UserInfo> {
    let issued = cluster.tokens.lookup(token)?;
    if issued.expires < chrono::Utc::now() {
        return None;
    }
    let sa = crate::resources::core("serviceaccounts")?;
    let store = cluster.lock();
    let obj = store.get(
        sa,
        &crate::store::ObjectKey::new(Some(&issued.namespace), &issued.name),
    )?;
    (obj.pointer("/metadata/uid").and_then(Value::as_str) == Some(issued.uid.as_str()))
        .then(|| UserInfo::service_account(&issued.namespace, &issued.name, &issued.uid))
}

/// The user of the client certificate a TLS connection presented (a
/// request extension the TLS transport sets).
#[derive(Debug, Clone)]
pub struct CertificateUser(pub UserInfo);

/// Who sent the request: a service account by its token; else the user of
/// the client certificate, unless the request carries the simulator's own
/// admin token; else the administrator (the transport has already refused
/// credentials it does not accept).
pub fn identify(
    cluster: &Cluster,
    headers: &HeaderMap,
    certificate: Option<&UserInfo>,
) -> UserInfo {
    if let Some(user) = bearer(headers).and_then(|t| token_user(cluster, t)) {
        return user;
    }
    match certificate {
        Some(user) if bearer(headers).is_none() => user.clone(),
        _ => UserInfo::admin(),
    }
}

/// What a request does, as the authorizer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub verb: String,
    /// For resource requests.
    pub resource: Option<ResourceAttributes>,
    /// For other requests.
    pub path: String,
}

/// The resource part of [`Attributes`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceAttributes {
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub namespace: String,
    pub name: String,
}

/// The attributes of a routed request.
pub fn attributes(route: &Route, method: &Method, path: &str, watch: bool) -> Attributes {
    let object_verb = || match *method {
        Method::GET | Method::HEAD => "get",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => "delete",
        Method::POST => "create",
        _ => "",
    };
    let (verb, resource) = match route {
        Route::Collection { rt, namespace } => {
            let verb = match *method {
                Method::GET | Method::HEAD if watch => "watch",
                Method::GET | Method::HEAD => "list",
                Method::POST => "create",
                Method::DELETE => "deletecollection",
                _ => "",
            };
            (
                verb,
                Some(ResourceAttributes {
                    group: rt.group.into(),
                    resource: rt.plural.into(),
                    subresource: String::new(),
                    namespace: namespace.clone().unwrap_or_default(),
                    name: String::new(),
                }),
            )
        }
        Route::Object {
            rt,
            namespace,
            name,
            subresource,
        } => {
            let verb = if watch { "watch" } else { object_verb() };
            (
                verb,
                Some(ResourceAttributes {
                    group: rt.group.into(),
                    resource: rt.plural.into(),
                    subresource: subresource.clone().unwrap_or_default(),
                    namespace: namespace.clone().unwrap_or_default(),
                    name: name.clone(),
                }),
            )
        }
        _ => (
            match *method {
                Method::GET | Method::HEAD => "get",
                Method::POST => "post",
                Method::PUT => "put",
                Method::PATCH => "patch",
                Method::DELETE => "delete",
                _ => "",
            },
            None,
        ),
    };
    Attributes {
        verb: verb.into(),
        resource,
        path: path.into(),
    }
}

/// kube-apiserver's 403 for a refused request.
pub fn forbidden(user: &UserInfo, attrs: &Attributes) -> ApiError {
    let Some(r) = &attrs.resource else {
        return ApiError {
            code: 403,
            reason: "Forbidden",
            message: format!(
                "forbidden: User {} cannot {} path {}",
                quote(&user.username),
                attrs.verb,
                quote(&attrs.path)
            ),
            details: Some(json!({})),
        };
    };
    let full = if r.subresource.is_empty() {
        r.resource.clone()
    } else {
        format!("{}/{}", r.resource, r.subresource)
    };
    let scope = if r.namespace.is_empty() {
        "at the cluster scope".to_string()
    } else {
        format!("in the namespace {}", quote(&r.namespace))
    };
    let why = format!(
        "User {} cannot {} resource {} in API group {} {scope}",
        quote(&user.username),
        attrs.verb,
        quote(&full),
        quote(&r.group)
    );
    let qualified = if r.group.is_empty() {
        r.resource.clone()
    } else {
        format!("{}.{}", r.resource, r.group)
    };
    let message = if r.name.is_empty() {
        format!("{qualified} is forbidden: {why}")
    } else {
        format!("{qualified} {} is forbidden: {why}", quote(&r.name))
    };
    let mut details = serde_json::Map::new();
    if !r.name.is_empty() {
        details.insert("name".into(), json!(r.name));
    }
    if !r.group.is_empty() {
        details.insert("group".into(), json!(r.group));
    }
    details.insert("kind".into(), json!(r.resource));
    ApiError {
        code: 403,
        reason: "Forbidden",
        message,
        details: Some(Value::Object(details)),
    }
}

/// Refuses the request unless the user may make it.
pub fn authorize(cluster: &Cluster, user: &UserInfo, attrs: &Attributes) -> Result<(), ApiError> {
    if rbac::allowed(&cluster.lock(), user, attrs) {
        Ok(())
    } else {
        Err(forbidden(user, attrs))
    }
}

/// The user a client certificate names, as kube-apiserver reads it: the
/// subject's common name is the user, its organizations are the groups
/// (`system:masters` is the administrators' group).
pub fn certificate_user(der: &[u8]) -> Option<UserInfo> {
    let (cn, orgs) = der::subject(der)?;
    let mut groups = orgs;
    groups.push("system:authenticated".into());
    Some(UserInfo {
        username: cn,
        uid: String::new(),
        groups,
    })
}

/// Reads a certificate's subject: just enough DER for the common name and organizations.
mod der {
    /// One TLV: tag, contents, rest.
    fn tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first & 0x80 == 0 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, &x| (a << 8) | usize::from(x));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        Some((tag, &rest[..len], &rest[len..]))
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];

    /// `(common name, organizations)` of an X.509 certificate's subject.
    pub fn subject(cert: &[u8]) -> Option<(String, Vec<String>)> {
        let (_, certificate, _) = tlv(cert)?;
        let (_, mut tbs, _) = tlv(certificate)?;
        // [0] version (optional), serialNumber, signature, issuer, validity, subject.
        let (tag, _, rest) = tlv(tbs)?;
        if tag == 0xa0 {
            tbs = rest;
        }
        for _ in 0..4 {
            let (_, _, rest) = tlv(tbs)?;
            tbs = rest;
        }
        let (_, mut name, _) = tlv(tbs)?;
        let (mut cn, mut orgs) = (String::new(), Vec::new());
        while !name.is_empty() {
            let (_, mut set, rest) = tlv(name)?;
            name = rest;
            while !set.is_empty() {
                let (_, attr, rest) = tlv(set)?;
                set = rest;
                let (_, oid, value) = tlv(attr)?;
                let (_, text, _) = tlv(value)?;
                let text = String::from_utf8_lossy(text).into_owned();
                if oid == CN {
                    cn = text;
                } else if oid == O {
                    orgs.push(text);
                }
            }
        }
        Some((cn, orgs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_names_its_user_and_groups() {
        let mut params = rcgen::CertificateParams::new(vec!["jane".to_string()]).expect("params");
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "jane");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "dev");
        let key = rcgen::KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("cert");
        let user = certificate_user(cert.der()).expect("a subject");
        assert_eq!(user.username, "jane");
        assert_eq!(user.groups, ["dev", "system:authenticated"]);
    }
}

//! Login IP rules: networks allowed or denied, for the platform (everyone)
//! and per domain (the users whose home domain it is). A deny rule that
//! matches refuses; where a scope has allow rules, an address must match
//! one of them. Checked at sign-in and on every request. Rules are read
//! through a short-lived cache, dropped on every local change.

use std::{net::IpAddr, sync::Arc};

use berth_api::{ErrorCode, IpRule, IpRuleInput};
use chrono::Utc;
use ipnet::IpNet;
use sea_query::{Expr, Order, Query, SelectStatement};

use super::Identity;
use crate::db::query;
use crate::{
    auth::{Permission, Principal, Scope},
    db::schema::IpRules,
    Error, Result,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    domain_id: Option<i64>,
    deny: bool,
    net: IpNet,
}

/// Whether `ip` may sign in as a user of `domain_id` (none: platform staff).
fn admits(rules: &[Rule], domain_id: Option<i64>, ip: IpAddr) -> bool {
    let ip = crate::auth::canonical_ip(ip);
    let applies = |r: &&Rule| r.domain_id.is_none() || r.domain_id == domain_id;
    if rules
        .iter()
        .filter(applies)
        .any(|r| r.deny && r.net.contains(&ip))
    {
        return false;
    }
    // The platform's allow list, then the user's domain's, each when it
    // has any rules, must admit the address.
    let mut scopes = vec![None];
    if domain_id.is_some() {
        scopes.push(domain_id);
    }
    scopes.into_iter().all(|scope| {
        let mut allows = rules
            .iter()
            .filter(|r| !r.deny && r.domain_id == scope)
            .peekable();
        allows.peek().is_none() || allows.any(|r| r.net.contains(&ip))
    })
}

fn select_rules() -> SelectStatement {
    Query::select()
        .columns([
            IpRules::Id,
            IpRules::DomainId,
            IpRules::Action,
            IpRules::Cidr,
            IpRules::Description,
            IpRules::CreatedAt,
        ])
        .from(IpRules::Table)
        .order_by(IpRules::Id, Order::Asc)
        .to_owned()
}

/// A CIDR or a single address, normalised (`10.1.2.3/8` is `10.0.0.0/8`).
fn parse_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .ok()
        .map(|n| n.trunc())
}

impl Identity<'_> {
    async fn rules(&self) -> Result<Arc<Vec<Rule>>> {
        self.caches
            .ip_rules
            .get(self.generation.current(), || async {
                let rows: Vec<IpRule> = self.db.fetch_all(&select_rules()).await?;
                Ok(rows
                    .iter()
                    .filter_map(|r| {
                        Some(Rule {
                            domain_id: r.domain_id,
                            deny: r.action == "deny",
                            net: parse_net(&r.cidr)?,
                        })
                    })
                    .collect())
            })
            .await
    }

    fn forget_rules(&self) {
        self.caches.ip_rules.forget();
    }

    /// Whether a user of `domain_id` may work from `source`. An address
    /// that cannot be read is judged by the platform's rules as if unknown:
    /// refused when any allow list or deny rule could apply.
    pub async fn address_admitted(
        &self,
        domain_id: Option<i64>,
        source: Option<&str>,
    ) -> Result<bool> {
        let rules = self.rules().await?;
        if rules.is_empty() {
            return Ok(true);
        }
        Ok(match source.and_then(|s| s.parse::<IpAddr>().ok()) {
            Some(ip) => admits(&rules, domain_id, ip),
            None => false,
        })
    }

    /// Records that a session was ended because its address is refused.
    pub async fn end_session_refused(&self, who: &Principal) {
        let mut event = crate::audit::Event::by(
            who,
            "session.end",
            "session",
            None,
            crate::audit::Outcome::Denied,
        );
        event.details = "address refused by the login IP rules".into();
        self.audit(event).await;
    }

    /// Rules the caller may see: all for operators, their domains' for
    /// domain admins.
    pub async fn list_ip_rules(&self, who: &Principal) -> Result<Vec<IpRule>> {
        let v = self
            .visible(who, Permission::SecurityPolicyRead, "ip-rules")
            .await?;
        let mut select = select_rules();
        if let Some(filter) = query::tenant_filter(&v, IpRules::DomainId, None::<IpRules>) {
            select.cond_where(filter);
        }
        Ok(self.db.fetch_all(&select).await?)
    }

    pub async fn create_ip_rule(&self, who: &Principal, input: IpRuleInput) -> Result<IpRule> {
        let target = format!("ip-rule/{}", input.cidr.trim());
        let proof = self
            .authorize_under(
                who,
                Permission::SecurityPolicyUpdate,
                Scope::home(input.domain_id),
                &target,
            )
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(
                Permission::SecurityPolicyUpdate,
                Scope::home(input.domain_id),
            );
            let mut fields = vec![];
            let net = parse_net(&input.cidr);
            if net.is_none() {
                fields.push(berth_api::FieldError {
                    field: "cidr".into(),
                    code: ErrorCode::Invalid,
                    message: "cidr must be an IPv4 or IPv6 address or network, such as 10.0.0.0/8"
                        .into(),
                    detail: None,
                });
            }
            if input.action != "allow" && input.action != "deny" {
                fields.push(berth_api::FieldError {
                    field: "action".into(),
                    code: ErrorCode::Invalid,
                    message: "action must be `allow` or `deny`".into(),
                    detail: None,
                });
            }
            berth_api::validate::text("description", input.description.trim(), 256, &mut fields);
            berth_api::validate::text("cidr", input.cidr.trim(), 64, &mut fields);
            if let Some(d) = input.domain_id {
                if self.tenancy().find_domain(d).await?.is_none() {
                    return Err(Error::NotFound);
                }
            }
            Error::check(fields)?;
            let Some(net) = net else {
                return Err(Error::NotFound);
            };
            let rule = Rule {
                domain_id: input.domain_id,
                deny: input.action == "deny",
                net,
            };
            // Nobody locks themselves out by accident.
            let mut after = self.rules().await?.as_ref().clone();
            after.push(rule);
            let own = who.request.source.as_deref().and_then(|s| s.parse().ok());
            if let Some(ip) = own {
                if !admits(&after, who.domain_id, ip) {
                    return Err(Error::conflict(
                        ErrorCode::WouldLockOut,
                        format!("this rule would refuse your own address {ip}"),
                    ));
                }
            }
            let id = self
                .db
                .insert(crate::db::insert_row(
                    IpRules::Table,
                    [
                        IpRules::DomainId,
                        IpRules::Action,
                        IpRules::Cidr,
                        IpRules::Description,
                        IpRules::CreatedAt,
                    ],
                    [
                        input.domain_id.into(),
                        input.action.clone().into(),
                        net.to_string().into(),
                        input.description.trim().into(),
                        Utc::now().into(),
                    ],
                ))
                .await?;
            self.forget_rules();
            self.db
                .fetch_optional(
                    &select_rules()
                        .and_where(Expr::col(IpRules::Id).eq(id))
                        .to_owned(),
                )
                .await?
                .ok_or(Error::NotFound)
        })
        .await
    }

    pub async fn delete_ip_rule(&self, who: &Principal, id: i64) -> Result<()> {
        let rule: Option<IpRule> = self
            .db
            .fetch_optional(
                &select_rules()
                    .and_where(Expr::col(IpRules::Id).eq(id))
                    .to_owned(),
            )
            .await?;
        let Some(rule) = rule else {
            return Err(Error::NotFound);
        };
        let target = format!("ip-rule/{}", rule.cidr);
        let scope = Scope::home(rule.domain_id);
        // Another tenant's rule is not there at all.
        if self
            .authorize(who, Permission::SecurityPolicyRead, scope, &target)
            .await
            .is_err()
        {
            return Err(Error::NotFound);
        }
        let proof = self
            .authorize(who, Permission::SecurityPolicyUpdate, scope, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::SecurityPolicyUpdate, scope);
            self.db
                .execute(
                    Query::delete()
                        .from_table(IpRules::Table)
                        .and_where(Expr::col(IpRules::Id).eq(id)),
                )
                .await?;
            self.forget_rules();
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(domain_id: Option<i64>, deny: bool, net: &str) -> Rule {
        Rule {
            domain_id,
            deny,
            net: parse_net(net).unwrap(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn deny_wins_and_allow_lists_admit_only_their_networks() {
        let rules = vec![
            rule(None, false, "10.0.0.0/8"),
            rule(None, false, "2001:db8::/32"),
            rule(None, true, "10.66.0.0/16"),
            rule(Some(7), false, "10.7.0.0/16"),
            rule(Some(8), true, "10.8.8.8"),
        ];
        // Platform staff: the platform lists only.
        assert!(admits(&rules, None, ip("10.1.2.3")));
        assert!(admits(&rules, None, ip("2001:db8::5")));
        assert!(
            !admits(&rules, None, ip("192.0.2.1")),
            "not on the allow list"
        );
        assert!(
            !admits(&rules, None, ip("10.66.1.1")),
            "deny wins over allow"
        );
        assert!(
            !admits(&rules, None, ip("::ffff:10.66.1.1")),
            "IPv4-mapped is IPv4"
        );
        // Domain 7 adds its own allow list on top of the platform's.
        assert!(admits(&rules, Some(7), ip("10.7.1.1")));
        assert!(
            !admits(&rules, Some(7), ip("10.1.2.3")),
            "outside domain 7's list"
        );
        // Domain 8 only denies one address; domain 7's list does not apply.
        assert!(admits(&rules, Some(8), ip("10.1.2.3")));
        assert!(!admits(&rules, Some(8), ip("10.8.8.8")));
        assert!(
            admits(&rules, None, ip("10.8.8.8")),
            "domain 8's rule is its own"
        );
        // No rules: everyone.
        assert!(admits(&[], Some(1), ip("192.0.2.1")));
    }

    #[test]
    fn networks_are_normalised() {
        assert_eq!(parse_net("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(
            parse_net(" 192.0.2.1 ").unwrap().to_string(),
            "192.0.2.1/32"
        );
        assert_eq!(
            parse_net("2001:db8::1/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert!(parse_net("10.0.0.0/33").is_none());
        assert!(parse_net("example.com").is_none());
    }
}

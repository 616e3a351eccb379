//! Label and field selectors of list requests (`?labelSelector=`,
//! `?fieldSelector=`), parsed and matched as Kubernetes does: equality
//! (`a=b`, `a==b`, `a!=b`), existence (`a`, `!a`), sets (`a in (x,y)`,
//! `a notin (x)`) and integer comparison (`a>1`, `a<5`).

use serde_json::Value;

use crate::validation;

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key` (the label is present).
    Exists(String),
    /// `!key` (the label is absent).
    DoesNotExist(String),
    /// `key=value` / `key==value` / `key in (v1,v2)`.
    In(String, Vec<String>),
    /// `key!=value` / `key notin (v1,v2)`: also matches when the label is absent.
    NotIn(String, Vec<String>),
    /// `key>n`: present with an integer value greater than n.
    GreaterThan(String, i64),
    /// `key<n`: present with an integer value less than n.
    LessThan(String, i64),
}

/// A parsed label selector: all requirements must hold. Empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector(pub Vec<Requirement>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    Eq,
    DoubleEq,
    NotEq,
    Bang,
    Open,
    Close,
    Comma,
    Gt,
    Lt,
}

fn tokenize(s: &str) -> Vec<Token> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '=' if next == Some('=') => {
                out.push(Token::DoubleEq);
                i += 2;
            }
            '=' => {
                out.push(Token::Eq);
                i += 1;
            }
            '!' if next == Some('=') => {
                out.push(Token::NotEq);
                i += 2;
            }
            '!' => {
                out.push(Token::Bang);
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            ',' => {
                out.push(Token::Comma);
                i += 1;
            }
            '>' => {
                out.push(Token::Gt);
                i += 1;
            }
            '<' => {
                out.push(Token::Lt);
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r=!(),<>".contains(chars[i]) {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
            }
        }
    }
    out
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn key(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Ident(k)) => {
                if let Some(err) = validation::label_key_error(&k) {
                    return Err(format!(
                        "unable to parse requirement: invalid label key {}: {err}",
                        crate::status::quote(&k)
                    ));
                }
                Ok(k)
            }
            other => Err(format!(
                "found '{}', expected: identifier",
                describe(other.as_ref())
            )),
        }
    }

    /// A value after `=`, `==` or `!=`: an identifier, or empty before `,`/end.
    fn single_value(&mut self) -> Result<String, String> {
        match self.peek() {
            None | Some(Token::Comma) => Ok(String::new()),
            Some(Token::Ident(_)) => match self.next() {
                Some(Token::Ident(v)) => check_value(v),
                _ => Err("expected a value".into()),
            },
            other => Err(format!("found '{}', expected: identifier", describe(other))),
        }
    }

    fn value_set(&mut self) -> Result<Vec<String>, String> {
        match self.next() {
            Some(Token::Open) => {}
            other => {
                return Err(format!(
                    "found '{}', expected: '('",
                    describe(other.as_ref())
                ))
            }
        }
        let mut values = Vec::new();
        loop {
            match self.next() {
                Some(Token::Ident(v)) => values.push(check_value(v)?),
                Some(Token::Close) if values.is_empty() => {
                    values.push(String::new());
                    return Ok(values);
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: identifier",
                        describe(other.as_ref())
                    ))
                }
            }
            match self.next() {
                Some(Token::Comma) => continue,
                Some(Token::Close) => return Ok(values),
                other => {
                    return Err(format!(
                        "found '{}', expected: ',' or ')'",
                        describe(other.as_ref())
                    ))
                }
            }
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        match self.next() {
            Some(Token::Ident(v)) => v
                .parse::<i64>()
                .map_err(|_| format!("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer (got {})", crate::status::quote(&v))),
            other => Err(format!("found '{}', expected: identifier", describe(other.as_ref()))),
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        if self.peek() == Some(&Token::Bang) {
            self.pos += 1;
            return Ok(Requirement::DoesNotExist(self.key()?));
        }
        let key = self.key()?;
        match self.peek().cloned() {
            None | Some(Token::Comma) => Ok(Requirement::Exists(key)),
            Some(Token::Eq) | Some(Token::DoubleEq) => {
                self.pos += 1;
                Ok(Requirement::In(key, vec![self.single_value()?]))
            }
            Some(Token::NotEq) => {
                self.pos += 1;
                Ok(Requirement::NotIn(key, vec![self.single_value()?]))
            }
            Some(Token::Gt) => {
                self.pos += 1;
                Ok(Requirement::GreaterThan(key, self.integer()?))
            }
            Some(Token::Lt) => {
                self.pos += 1;
                Ok(Requirement::LessThan(key, self.integer()?))
            }
            Some(Token::Ident(op)) if op == "in" => {
                self.pos += 1;
                Ok(Requirement::In(key, self.value_set()?))
            }
            Some(Token::Ident(op)) if op == "notin" => {
                self.pos += 1;
                Ok(Requirement::NotIn(key, self.value_set()?))
            }
            other => Err(format!(
                "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                describe(other.as_ref())
            )),
        }
    }
}

fn check_value(v: String) -> Result<String, String> {
    match validation::label_value_error(&v) {
        Some(err) => Err(format!(
            "unable to parse requirement: invalid label value: {}: {err}",
            crate::status::quote(&v)
        )),
        None => Ok(v),
    }
}

fn describe(t: Option<&Token>) -> String {
    match t {
        None => "".into(),
        Some(Token::Ident(s)) => s.clone(),
        Some(Token::Eq) => "=".into(),
        Some(Token::DoubleEq) => "==".into(),
        Some(Token::NotEq) => "!=".into(),
        Some(Token::Bang) => "!".into(),
        Some(Token::Open) => "(".into(),
        Some(Token::Close) => ")".into(),
        Some(Token::Comma) => ",".into(),
        Some(Token::Gt) => ">".into(),
        Some(Token::Lt) => "<".into(),
    }
}

impl LabelSelector {
    /// Parses a selector string; the error is the message of a 400 BadRequest.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut p = Parser {
            tokens: tokenize(s),
            pos: 0,
        };
        let mut reqs = Vec::new();
        if p.tokens.is_empty() {
            return Ok(LabelSelector(reqs));
        }
        loop {
            reqs.push(p.requirement()?);
            match p.next() {
                None => return Ok(LabelSelector(reqs)),
                Some(Token::Comma) => {}
                other => {
                    return Err(format!(
                        "found '{}', expected: ',' or 'end of string'",
                        describe(other.as_ref())
                    ))
                }
            }
        }
    }

    /// A `metav1.LabelSelector` object (`matchLabels`, `matchExpressions`
    /// with `In`, `NotIn`, `Exists`, `DoesNotExist`).
    pub fn from_json(sel: &Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if !sel.is_object() {
            return Err("must be an object".into());
        }
        if let Some(labels) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in labels {
                let v = v.as_str().ok_or("matchLabels values must be strings")?;
                if let Some(e) = validation::label_key_error(k) {
                    return Err(e);
                }
                reqs.push(Requirement::In(k.clone(), vec![v.to_string()]));
            }
        }
        for e in sel
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
            if key.is_empty() {
                return Err("matchExpressions key is required".into());
            }
            let values: Vec<String> = e
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            let op = e
                .get("operator")
                .and_then(Value::as_str)
                .unwrap_or_default();
            reqs.push(match op {
                "In" if !values.is_empty() => Requirement::In(key.into(), values),
                "NotIn" if !values.is_empty() => Requirement::NotIn(key.into(), values),
                "Exists" if values.is_empty() => Requirement::Exists(key.into()),
                "DoesNotExist" if values.is_empty() => Requirement::DoesNotExist(key.into()),
                "In" | "NotIn" => return Err(format!("{op} needs at least one value")),
                "Exists" | "DoesNotExist" => return Err(format!("{op} takes no values")),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            });
        }
        Ok(LabelSelector(reqs))
    }

    /// Whether an object (with `metadata.labels`) matches every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let labels = obj.pointer("/metadata/labels").and_then(Value::as_object);
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| vs.iter().all(|x| x != v)),
            Requirement::GreaterThan(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v > *n),
            Requirement::LessThan(k, n) => get(k)
                .and_then(|v| v.parse::<i64>().ok())
                .is_some_and(|v| v < *n),
        })
    }
}

/// One `field=value` / `field!=value` term of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldTerm {
    /// Dotted field path, e.g. `metadata.name`.
    pub field: String,
    /// Wanted (or, with `negate`, unwanted) value.
    pub value: String,
    /// `!=`.
    pub negate: bool,
}

/// Selectable fields that hold booleans.
const BOOLEAN_FIELDS: &[&str] = &["spec.unschedulable"];

/// A parsed field selector. Empty matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldSelector(pub Vec<FieldTerm>);

impl FieldSelector {
    /// Parses a field selector allowing `metadata.name`, `metadata.namespace`
    /// and the given extra fields; the error is the message of a 400 BadRequest.
    pub fn parse(s: &str, extra_fields: &[&str]) -> Result<Self, String> {
        let mut terms = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, value, negate) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, false)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let field = field.trim();
            if field != "metadata.name"
                && field != "metadata.namespace"
                && !extra_fields.contains(&field)
            {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push(FieldTerm {
                field: field.to_string(),
                value: value.trim().to_string(),
                negate,
            });
        }
        Ok(FieldSelector(terms))
    }

    /// Whether an object matches every term. Booleans read as `true` or
    /// `false`, a missing boolean field as `false` (as Kubernetes formats
    /// `spec.unschedulable`); any other missing field as `""`.
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|t| {
            let pointer = format!("/{}", t.field.replace('.', "/"));
            let actual = match obj.pointer(&pointer) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                None if BOOLEAN_FIELDS.contains(&t.field.as_str()) => "false".to_string(),
                _ => String::new(),
            };
            (actual == t.value) != t.negate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({ "metadata": { "name": "x", "labels": labels } })
    }

    #[test]
    fn equality_and_existence() {
        let o = obj(json!({ "a": "b", "tier": "web" }));
        for (sel, want) in [
            ("a=b", true),
            ("a==b", true),
            ("a!=b", false),
            ("a=c", false),
            ("a", true),
            ("!a", false),
            ("zzz", false),
            ("!zzz", true),
            ("zzz!=q", true),
            ("a=b,tier=web", true),
            ("a=b, tier=db", false),
            ("", true),
        ] {
            let parsed = LabelSelector::parse(sel).map_err(|e| format!("{sel}: {e}"));
            assert_eq!(parsed.map(|s| s.matches(&o)), Ok(want), "selector {sel:?}");
        }
    }

    #[test]
    fn sets_and_comparisons() {
        let o = obj(json!({ "env": "prod", "n": "7" }));
        for (sel, want) in [
            ("env in (prod,dev)", true),
            ("env in (dev)", false),
            ("env notin (dev, test)", true),
            ("env notin (prod)", false),
            ("missing notin (prod)", true),
            ("n>5", true),
            ("n<5", false),
            ("env in (prod),n>6", true),
        ] {
            let parsed = LabelSelector::parse(sel).map_err(|e| format!("{sel}: {e}"));
            assert_eq!(parsed.map(|s| s.matches(&o)), Ok(want), "selector {sel:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for sel in [
            "a in b",
            "a in (b",
            "=b",
            "a=b c",
            "a>x",
            "a b",
            "Bad Key=1",
            "a=b!c",
        ] {
            assert!(LabelSelector::parse(sel).is_err(), "should reject {sel:?}");
        }
    }

    #[test]
    fn field_selectors() {
        let o = json!({ "metadata": { "name": "x", "namespace": "ns" }, "status": { "phase": "Active" } });
        let sel = FieldSelector::parse("metadata.name=x,metadata.namespace!=other", &[]);
        assert_eq!(sel.map(|s| s.matches(&o)), Ok(true));
        let sel = FieldSelector::parse("status.phase=Terminating", &["status.phase"]);
        assert_eq!(sel.map(|s| s.matches(&o)), Ok(false));
        assert!(FieldSelector::parse("spec.foo=1", &[]).is_err());
    }
}

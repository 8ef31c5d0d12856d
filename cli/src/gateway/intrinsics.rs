//! CloudFormation values made local: `!Ref` of a parameter is the value given for it
//! (`--parameter`) or its `Default`, of the table the caller's `TABLE_NAME`, of a pseudo
//! parameter a local stand-in (region from the caller, a fixed account id); `!GetAtt` is a
//! made-up ARN; `!Sub` substitutes those; `!If` picks a branch by the template's
//! `Conditions` ([`conditions`]), and `AWS::NoValue` drops what it stands for;
//! `Fn::ImportValue` knows one export, latchkey's `<stack>-AuthorizerFunctionArn`
//! ([`Import`]). Both the short (`!Ref X`) and the long (`{Ref: X}`) forms are read.
//! Anything else (`!Join`, ...) is an error naming where it is.

mod conditions;

use super::template::{TemplateError, invalid};
use serde_norway::{Mapping, Value};
use std::collections::BTreeMap;

/// The suffix of the export latchkey's stack gives its authorizer's ARN.
pub const AUTHORIZER_EXPORT_SUFFIX: &str = "-AuthorizerFunctionArn";

/// What an `Fn::ImportValue` stands for locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Import {
    /// `<stack>-AuthorizerFunctionArn`: latchkey's own authorizer, run from the binary
    /// `authorizer`; `function` is the name it runs under (`<stack>-AuthorizerFunction`).
    LatchkeyAuthorizer { function: String },
}

/// Resolves an export name, or names it in the error: only latchkey's authorizer is known.
fn import(export: &str, at: &str) -> Result<Import, TemplateError> {
    match export.strip_suffix(AUTHORIZER_EXPORT_SUFFIX) {
        Some(stack) if !stack.is_empty() => {
            Ok(Import::LatchkeyAuthorizer { function: format!("{stack}-AuthorizerFunction") })
        }
        _ => Err(invalid(
            at,
            format!("Fn::ImportValue {export:?}: only latchkey's <stack>{AUTHORIZER_EXPORT_SUFFIX} is served locally"),
        )),
    }
}

/// The pseudo parameter that removes the property (or list item) it is the value of.
const NO_VALUE: &str = "AWS::NoValue";

/// The account id every local ARN carries.
pub const ACCOUNT_ID: &str = "123456789012";

/// What the caller's environment decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalValues {
    /// `!Ref` of the `AWS::DynamoDB::Table`.
    pub table_name: String,
    /// `AWS::Region`.
    pub region: String,
    /// Parameter values given for the run (`--parameter Name=Value`), over the defaults.
    pub parameters: BTreeMap<String, String>,
}

/// The value under a YAML tag, or the value itself.
pub fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

pub fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    untag(v).as_mapping().and_then(|m| m.get(key))
}

pub fn get_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).map(untag).and_then(Value::as_str)
}

/// A mapping's (string key, value) pairs, in order; nothing for anything else.
pub fn entries(v: Option<&Value>) -> Vec<(String, &Value)> {
    v.map(untag)
        .and_then(Value::as_mapping)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v))).collect())
        .unwrap_or_default()
}

/// An intrinsic function call: its name without `!` or `Fn::`, and its argument.
fn intrinsic(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Tagged(t) => Some((t.tag.to_string().trim_start_matches('!').to_string(), &t.value)),
        Value::Mapping(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next()?;
            let name = k.as_str()?;
            (name == "Ref" || name.starts_with("Fn::")).then(|| (name.trim_start_matches("Fn::").to_string(), arg))
        }
        _ => None,
    }
}

/// `!GetAtt X.Arn` (or `[X, Arn]`) → `X`.
pub fn get_att_target(v: &Value) -> Option<String> {
    let (name, arg) = intrinsic(v)?;
    if name != "GetAtt" {
        return None;
    }
    let (resource, attribute) = get_att_parts(arg)?;
    (attribute == "Arn").then_some(resource)
}

fn get_att_parts(arg: &Value) -> Option<(String, String)> {
    match untag(arg) {
        Value::String(s) => s.split_once('.').map(|(r, a)| (r.to_string(), a.to_string())),
        Value::Sequence(parts) => match parts.as_slice() {
            [r, a] => Some((untag(r).as_str()?.to_string(), untag(a).as_str()?.to_string())),
            _ => None,
        },
        _ => None,
    }
}

/// Resolves template values against the template's parameters and resources.
pub struct Resolver<'a> {
    parameters: BTreeMap<String, &'a Value>,
    /// The template's `Conditions`, by name.
    conditions: BTreeMap<String, &'a Value>,
    /// Logical id → `Type`.
    resources: BTreeMap<String, String>,
    local: &'a LocalValues,
}

impl<'a> Resolver<'a> {
    /// Refuses a given parameter value the template has no parameter for.
    pub fn new(doc: &'a Value, local: &'a LocalValues) -> Result<Self, TemplateError> {
        let parameters: BTreeMap<String, &Value> = entries(get(doc, "Parameters")).into_iter().collect();
        if let Some(unknown) = local.parameters.keys().find(|name| !parameters.contains_key(*name)) {
            return Err(invalid("Parameters", format!("--parameter {unknown}: the template has no such parameter")));
        }
        let conditions = entries(get(doc, "Conditions")).into_iter().collect();
        let resources = entries(get(doc, "Resources"))
            .into_iter()
            .map(|(id, r)| (id, get_str(r, "Type").unwrap_or_default().to_string()))
            .collect();
        Ok(Self { parameters, conditions, resources, local })
    }

    /// `v` with every intrinsic inside it resolved: `!If` takes its branch, whatever is
    /// `AWS::NoValue` is left out (`None` when `v` itself is), scalars stay as they are.
    pub fn value(&self, v: &Value, at: &str) -> Result<Option<Value>, TemplateError> {
        if let Some((name, arg)) = intrinsic(v) {
            return match name.as_str() {
                "If" => self.value(self.choose(arg, at)?, at),
                "Ref" if untag(arg).as_str() == Some(NO_VALUE) => Ok(None),
                _ => self.resolve(v, at).map(|s| Some(Value::String(s))),
            };
        }
        match untag(v) {
            Value::Mapping(m) => {
                let mut out = Mapping::new();
                for (k, item) in m {
                    let key = k.as_str().unwrap_or_default();
                    if let Some(resolved) = self.value(item, &format!("{at}.{key}"))? {
                        out.insert(k.clone(), resolved);
                    }
                }
                Ok(Some(Value::Mapping(out)))
            }
            Value::Sequence(items) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    out.extend(self.value(item, &format!("{at}[{i}]"))?);
                }
                Ok(Some(Value::Sequence(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    /// What an `Fn::ImportValue` in `v` stands for; `None` when `v` is not one.
    pub fn import(&self, v: &Value, at: &str) -> Result<Option<Import>, TemplateError> {
        match intrinsic(v) {
            Some((name, arg)) if name == "ImportValue" => import(&self.resolve(arg, at)?, at).map(Some),
            _ => Ok(None),
        }
    }

    /// `v` as the string a function's environment would hold; `at` names it in errors.
    pub fn resolve(&self, v: &Value, at: &str) -> Result<String, TemplateError> {
        if let Some((name, arg)) = intrinsic(v) {
            return match name.as_str() {
                "Ref" => {
                    let target = untag(arg).as_str().ok_or_else(|| invalid(at, "!Ref of a non-name"))?;
                    self.reference(target, at)
                }
                "GetAtt" => {
                    let (resource, attribute) =
                        get_att_parts(arg).ok_or_else(|| invalid(at, "!GetAtt needs Resource.Attribute"))?;
                    self.attribute(&resource, &attribute, at)
                }
                "Sub" => self.substitute(arg, at),
                "If" => self.resolve(self.choose(arg, at)?, at),
                "ImportValue" => match import(&self.resolve(arg, at)?, at)? {
                    Import::LatchkeyAuthorizer { function } => {
                        Ok(format!("arn:aws:lambda:{}:{ACCOUNT_ID}:function:{function}", self.local.region))
                    }
                },
                other => Err(invalid(at, format!("!{other} is not resolved locally"))),
            };
        }
        match untag(v) {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(invalid(at, "not a scalar value")),
        }
    }

    fn reference(&self, target: &str, at: &str) -> Result<String, TemplateError> {
        match target {
            "AWS::Region" => return Ok(self.local.region.clone()),
            "AWS::AccountId" => return Ok(ACCOUNT_ID.to_string()),
            "AWS::Partition" => return Ok("aws".to_string()),
            "AWS::URLSuffix" => return Ok("amazonaws.com".to_string()),
            "AWS::StackName" => return Ok("latchkey-local".to_string()),
            NO_VALUE => return Err(invalid(at, "AWS::NoValue where a value is needed")),
            _ => {}
        }
        if let Some(given) = self.local.parameters.get(target) {
            return Ok(given.clone());
        }
        if let Some(parameter) = self.parameters.get(target) {
            let default = get(parameter, "Default")
                .ok_or_else(|| invalid(at, format!("parameter {target} has no Default to run with")))?;
            return self.resolve(default, &format!("Parameters.{target}.Default"));
        }
        match self.resources.get(target).map(String::as_str) {
            Some("AWS::DynamoDB::Table") => Ok(self.local.table_name.clone()),
            Some(_) => Ok(target.to_string()),
            None => Err(invalid(at, format!("!Ref {target}: no such parameter or resource"))),
        }
    }

    fn attribute(&self, resource: &str, attribute: &str, at: &str) -> Result<String, TemplateError> {
        let (region, account) = (&self.local.region, ACCOUNT_ID);
        match (self.resources.get(resource).map(String::as_str), attribute) {
            (Some("AWS::DynamoDB::Table"), "Arn") => {
                Ok(format!("arn:aws:dynamodb:{region}:{account}:table/{}", self.local.table_name))
            }
            (Some("AWS::Serverless::Function"), "Arn") => {
                Ok(format!("arn:aws:lambda:{region}:{account}:function:{resource}"))
            }
            (Some(_), _) => Ok(format!("arn:aws:local:{region}:{account}:{resource}/{attribute}")),
            (None, _) => Err(invalid(at, format!("!GetAtt {resource}.{attribute}: no such resource"))),
        }
    }

    /// `!Sub "text ${Name} ${Res.Attr} ${!Literal}"` or `[text, {Name: value}]`.
    fn substitute(&self, arg: &Value, at: &str) -> Result<String, TemplateError> {
        let (text, variables) = match untag(arg) {
            Value::String(s) => (s.as_str(), Vec::new()),
            Value::Sequence(parts) => match parts.as_slice() {
                [text, vars] => (untag(text).as_str().ok_or_else(|| invalid(at, "!Sub text"))?, entries(Some(vars))),
                _ => return Err(invalid(at, "!Sub needs a text or [text, variables]")),
            },
            _ => return Err(invalid(at, "!Sub needs a text or [text, variables]")),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find('}').ok_or_else(|| invalid(at, "!Sub: unclosed ${"))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some((_, value)) = variables.iter().find(|(n, _)| n == name) {
                out.push_str(&self.resolve(value, at)?);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute, at)?);
            } else {
                out.push_str(&self.reference(name, at)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
Parameters:
  Days: {Type: Number, Default: 30}
  Bare: {Type: String}
Resources:
  Table: {Type: AWS::DynamoDB::Table}
  Fn: {Type: AWS::Serverless::Function}
"#;

    fn resolve(yaml: &str) -> Result<String, TemplateError> {
        let doc: Value = serde_norway::from_str(DOC).unwrap();
        let local = LocalValues { table_name: "t1".into(), region: "eu-west-1".into(), parameters: BTreeMap::new() };
        let v: Value = serde_norway::from_str(yaml).unwrap();
        Resolver::new(&doc, &local).unwrap().resolve(&v, "here")
    }

    #[test]
    fn references_resolve_to_local_values() {
        assert_eq!(resolve("!Ref Days").unwrap(), "30");
        assert_eq!(resolve("{Ref: Days}").unwrap(), "30");
        assert_eq!(resolve("!Ref Table").unwrap(), "t1");
        assert_eq!(resolve("!Ref AWS::Region").unwrap(), "eu-west-1");
        assert_eq!(resolve("!Ref Fn").unwrap(), "Fn");
        assert_eq!(resolve("!GetAtt Table.Arn").unwrap(), "arn:aws:dynamodb:eu-west-1:123456789012:table/t1");
        assert_eq!(resolve("{'Fn::GetAtt': [Fn, Arn]}").unwrap(), "arn:aws:lambda:eu-west-1:123456789012:function:Fn");
        assert_eq!(resolve("!Sub '${Table}-${Days}d ${!Keep} ${X}'").unwrap_err().to_string(), {
            "template here: !Ref X: no such parameter or resource"
        });
        assert_eq!(resolve("!Sub ['${Table}/${V}', {V: !Ref Days}]").unwrap(), "t1/30");
        assert_eq!(resolve("!Sub '${Table}-${Days}d ${!Keep}'").unwrap(), "t1-30d ${Keep}");
        assert_eq!(resolve("info").unwrap(), "info");
        assert_eq!(resolve("7").unwrap(), "7");
    }

    #[test]
    fn what_cannot_run_locally_is_named() {
        assert!(resolve("!Ref Bare").unwrap_err().to_string().contains("parameter Bare has no Default"));
        assert!(resolve("!Join [',', [a, b]]").unwrap_err().to_string().contains("!Join is not resolved locally"));
        assert!(resolve("[1, 2]").unwrap_err().to_string().contains("not a scalar"));
    }

    #[test]
    fn given_parameters_win_over_defaults_and_unknown_ones_are_refused() {
        let doc: Value = serde_norway::from_str(DOC).unwrap();
        let given = |name: &str| LocalValues {
            table_name: "t1".into(),
            region: "eu-west-1".into(),
            parameters: BTreeMap::from([(name.to_string(), "7".to_string())]),
        };
        let local = given("Days");
        let v: Value = serde_norway::from_str("!Sub '${Days}d'").unwrap();
        assert_eq!(Resolver::new(&doc, &local).unwrap().resolve(&v, "here").unwrap(), "7d");
        let local = given("Bare");
        assert_eq!(Resolver::new(&doc, &local).unwrap().resolve(&v, "here").unwrap(), "30d");
        let local = given("Nope");
        let e = Resolver::new(&doc, &local).err().unwrap().to_string();
        assert!(e.contains("--parameter Nope: the template has no such parameter"), "{e}");
    }

    #[test]
    fn no_value_drops_what_it_stands_for() {
        let doc: Value = serde_norway::from_str("Conditions:\n  No: !Equals [a, b]\n").unwrap();
        let local = LocalValues { table_name: "t".into(), region: "r".into(), parameters: BTreeMap::new() };
        let r = Resolver::new(&doc, &local).unwrap();
        let value = |yaml: &str| r.value(&serde_norway::from_str(yaml).unwrap(), "here").unwrap();
        assert_eq!(value("!If [No, {a: 1}, !Ref AWS::NoValue]"), None);
        assert_eq!(
            value("{a: !If [No, x, !Ref AWS::NoValue], b: !Sub '${AWS::Region}'}"),
            Some(serde_norway::from_str("{b: r}").unwrap())
        );
        assert_eq!(value("[1, !Ref AWS::NoValue, !If [No, 2, 3]]"), Some(serde_norway::from_str("[1, 3]").unwrap()));
        assert!(resolve("!Ref AWS::NoValue").unwrap_err().to_string().contains("AWS::NoValue where a value is needed"));
    }

    #[test]
    fn only_latchkeys_authorizer_export_is_imported() {
        let doc: Value = serde_norway::from_str(DOC).unwrap();
        let local = LocalValues { table_name: "t1".into(), region: "eu-west-1".into(), parameters: BTreeMap::new() };
        let r = Resolver::new(&doc, &local).unwrap();
        let import = |yaml: &str| r.import(&serde_norway::from_str(yaml).unwrap(), "here");
        assert_eq!(
            import("{'Fn::ImportValue': !Sub '${Days}-AuthorizerFunctionArn'}").unwrap(),
            Some(Import::LatchkeyAuthorizer { function: "30-AuthorizerFunction".into() })
        );
        assert_eq!(import("!GetAtt Fn.Arn").unwrap(), None);
        for other in ["!ImportValue other-TableName", "!ImportValue -AuthorizerFunctionArn"] {
            let e = import(other).unwrap_err().to_string();
            assert!(e.contains("Fn::ImportValue") && e.contains("only latchkey's"), "{e}");
        }
        assert_eq!(
            resolve("!ImportValue latchkey-AuthorizerFunctionArn").unwrap(),
            "arn:aws:lambda:eu-west-1:123456789012:function:latchkey-AuthorizerFunction"
        );
        assert!(resolve("!ImportValue latchkey-TableArn").unwrap_err().to_string().contains("\"latchkey-TableArn\""));
    }

    #[test]
    fn get_att_names_its_function() {
        let v: Value = serde_norway::from_str("!GetAtt AuthorizerFunction.Arn").unwrap();
        assert_eq!(get_att_target(&v).as_deref(), Some("AuthorizerFunction"));
        let v: Value = serde_norway::from_str("!GetAtt AuthorizerFunction.Name").unwrap();
        assert_eq!(get_att_target(&v), None);
    }
}

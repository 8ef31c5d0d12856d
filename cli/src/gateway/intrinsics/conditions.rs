//! The template's `Conditions`, evaluated on the run's parameter values: `Fn::Equals` of two
//! resolved values, `Fn::Not`, `Fn::And`, `Fn::Or`, and `Condition: Name` (another
//! condition); `!If [Name, then, else]` picks its branch by one.

use super::{Resolver, intrinsic, untag};
use crate::gateway::template::{TemplateError, invalid};
use serde_norway::Value;

/// Conditions nested deeper than this refer to each other in a loop.
const MAX_DEPTH: usize = 32;

impl Resolver<'_> {
    /// `!If`'s argument `[Condition, then, else]` → the branch the condition picks.
    pub(super) fn choose<'v>(&self, arg: &'v Value, at: &str) -> Result<&'v Value, TemplateError> {
        let [name, then, otherwise] = untag(arg).as_sequence().map(Vec::as_slice).unwrap_or_default() else {
            return Err(invalid(at, "!If needs [Condition, value if true, value if false]"));
        };
        let name = untag(name).as_str().ok_or_else(|| invalid(at, "!If names its condition"))?;
        Ok(if self.condition(name, at, 0)? { then } else { otherwise })
    }

    fn condition(&self, name: &str, at: &str, depth: usize) -> Result<bool, TemplateError> {
        if depth > MAX_DEPTH {
            return Err(invalid(at, format!("condition {name}: the conditions refer to each other in a loop")));
        }
        let definition = self.conditions.get(name).ok_or_else(|| invalid(at, format!("no condition named {name}")))?;
        self.truth(definition, &format!("Conditions.{name}"), depth + 1)
    }

    fn truth(&self, v: &Value, at: &str, depth: usize) -> Result<bool, TemplateError> {
        // `{Condition: Name}` (or `!Condition Name`) inside a condition is another condition.
        let named = match v {
            Value::Tagged(t) if t.tag == "Condition" => untag(&t.value).as_str(),
            Value::Mapping(m) if m.len() == 1 => m.get("Condition").map(untag).and_then(Value::as_str),
            _ => None,
        };
        if let Some(name) = named {
            return self.condition(name, at, depth);
        }
        let Some((function, arg)) = intrinsic(v) else {
            return Err(invalid(at, "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition"));
        };
        let args = untag(arg).as_sequence().map(Vec::as_slice).unwrap_or_default();
        match (function.as_str(), args) {
            ("Equals", [a, b]) => Ok(self.resolve(a, at)? == self.resolve(b, at)?),
            ("Not", [c]) => Ok(!self.truth(c, at, depth)?),
            ("And", items) if !items.is_empty() => {
                items.iter().try_fold(true, |all, c| Ok(all && self.truth(c, at, depth)?))
            }
            ("Or", items) if !items.is_empty() => {
                items.iter().try_fold(false, |any, c| Ok(any || self.truth(c, at, depth)?))
            }
            (other, _) => Err(invalid(at, format!("Fn::{other} with these arguments is not a condition"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::gateway::intrinsics::{LocalValues, Resolver};
    use serde_norway::Value;
    use std::collections::BTreeMap;

    const DOC: &str = r#"
Parameters:
  Orgs: {Type: String, Default: ""}
  Stage: {Type: String, Default: prod}
Conditions:
  HasOrgs: !Not [!Equals [!Ref Orgs, ""]]
  IsProd: {"Fn::Equals": [prod, !Ref Stage]}
  Both: !And [!Condition HasOrgs, {Condition: IsProd}]
  Either: !Or [!Condition HasOrgs, !Condition IsProd]
  Loop: !Not [!Condition Loop]
"#;

    fn resolve(yaml: &str, parameters: &[(&str, &str)]) -> Result<String, String> {
        let doc: Value = serde_norway::from_str(DOC).unwrap();
        let parameters: BTreeMap<String, String> =
            parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let local = LocalValues { table_name: "t".into(), region: "r".into(), parameters };
        let v: Value = serde_norway::from_str(yaml).unwrap();
        Resolver::new(&doc, &local).unwrap().resolve(&v, "here").map_err(|e| e.to_string())
    }

    #[test]
    fn conditions_follow_the_parameters() {
        let pick = "!If [HasOrgs, yes, no]";
        assert_eq!(resolve(pick, &[]).unwrap(), "no");
        assert_eq!(resolve(pick, &[("Orgs", "a,b")]).unwrap(), "yes");
        assert_eq!(resolve("{'Fn::If': [IsProd, p, q]}", &[]).unwrap(), "p");
        assert_eq!(resolve("!If [IsProd, p, q]", &[("Stage", "dev")]).unwrap(), "q");
        assert_eq!(resolve("!If [Both, 1, 0]", &[]).unwrap(), "0");
        assert_eq!(resolve("!If [Both, 1, 0]", &[("Orgs", "x")]).unwrap(), "1");
        assert_eq!(resolve("!If [Either, 1, 0]", &[("Stage", "dev")]).unwrap(), "0");
        assert_eq!(resolve("!If [Either, 1, 0]", &[]).unwrap(), "1");
    }

    #[test]
    fn bad_conditions_are_named() {
        assert!(resolve("!If [Nope, a, b]", &[]).unwrap_err().contains("no condition named Nope"));
        assert!(resolve("!If [Loop, a, b]", &[]).unwrap_err().contains("loop"));
        assert!(resolve("!If [HasOrgs, a]", &[]).unwrap_err().contains("!If needs"));
    }
}

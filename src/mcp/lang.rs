//! The language of a decision tool's next questions. The decision core asks in English; a caller who
//! passes `lang: zh`, or writes any argument in Chinese without a `lang`, gets the questions in Chinese
//! (from `src/zh/questions.txt`) with the same `field` and the same accepted values. Everything else in
//! the result (identifiers, verdicts, references) is the same in both languages.

use rmcp::model::JsonObject;
use serde_json::{Value, json};

use crate::decide::common::NextQuestion;
use crate::decide::{api, consistency, observability, performance, scaling, security};

/// The languages next questions are asked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, the default.
    En,
    /// Chinese.
    Zh,
}

/// A decision tool's result that can hold next questions.
pub trait Asks {
    /// The questions the result asks, to rewrite in place.
    fn questions_mut(&mut self) -> Vec<&mut NextQuestion>;
}

macro_rules! asks_one {
    ($($output:ty),*) => {$(
        impl Asks for $output {
            fn questions_mut(&mut self) -> Vec<&mut NextQuestion> {
                self.next_question.iter_mut().collect()
            }
        }
    )*};
}
asks_one!(
    api::ChooseApiStyleOutput,
    consistency::PlanDataConsistencyOutput,
    observability::PlanSloOutput,
    performance::DiagnosePerformanceOutput,
    scaling::PickScalingStrategyOutput
);

impl Asks for security::AuditSecurityOutput {
    fn questions_mut(&mut self) -> Vec<&mut NextQuestion> {
        self.next_questions.iter_mut().collect()
    }
}

/// The `lang` property every asking tool's input schema gets: a fixed set a model reads at a glance.
pub fn add_property(schema: &mut JsonObject) {
    if let Some(Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert("lang".into(), json!({"enum": ["en", "zh"]}));
    }
}

/// Take `lang` out of the arguments (the typed input does not know it) and settle the language: the
/// given one (any spelling `get_skill` accepts: `zh-CN`, `中文`, …), else Chinese when any argument
/// holds Chinese text, else English.
pub fn take(arguments: &mut JsonObject) -> Result<Lang, String> {
    let given = match arguments.remove("lang") {
        None | Some(Value::Null) => None,
        Some(Value::String(given)) if given.trim().is_empty() => None,
        Some(Value::String(given)) => Some(given),
        Some(other) => {
            let kind = match other {
                Value::Bool(_) => "a boolean",
                Value::Number(_) => "a number",
                Value::Array(_) => "a list",
                _ => "an object",
            };
            return Err(format!("`lang`: expected \"en\" or \"zh\", got {kind}"));
        }
    };
    match given {
        None if any_chinese(arguments.values(), 0) => Ok(Lang::Zh),
        None => Ok(Lang::En),
        Some(given) => match crate::content::read::check_language(Some(&given)) {
            Ok("zh") => Ok(Lang::Zh),
            Ok(_) => Ok(Lang::En),
            Err(_) => Err(format!(
                "`lang`: {:?} is not a language next questions are asked in; use \"en\" or \"zh\"",
                given.chars().take(40).collect::<String>()
            )),
        },
    }
}

/// Whether any string (key or value) in the arguments holds Chinese. Nesting beyond a few levels is
/// not searched: the decision inputs are at most two levels deep.
fn any_chinese<'a>(values: impl Iterator<Item = &'a Value>, depth: usize) -> bool {
    const MAX_DEPTH: usize = 4;
    if depth > MAX_DEPTH {
        return false;
    }
    let mut values = values;
    values.any(|v| match v {
        Value::String(s) => crate::zh::has_cjk(s),
        Value::Array(items) => any_chinese(items.iter(), depth + 1),
        Value::Object(map) => {
            map.keys().any(|k| crate::zh::has_cjk(k)) || any_chinese(map.values(), depth + 1)
        }
        _ => false,
    })
}

/// Ask `output`'s questions in `lang`. A question the table does not cover stays English (the tests
/// make sure none is left out).
pub fn localize<O: Asks>(tool: &str, output: &mut O, lang: Lang) {
    if lang == Lang::En {
        return;
    }
    for question in output.questions_mut() {
        if let Some(zh) = crate::zh::questions::translate(tool, question) {
            *question = zh;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(map) => map,
            _ => JsonObject::new(),
        }
    }

    #[test]
    fn lang_is_taken_out_and_read_forgivingly() {
        for (given, want) in [
            (json!("zh"), Lang::Zh),
            (json!("zh-CN"), Lang::Zh),
            (json!("中文"), Lang::Zh),
            (json!("en"), Lang::En),
            (json!("English"), Lang::En),
            (Value::Null, Lang::En),
        ] {
            let mut args = object(json!({"lang": given, "consumers": "public"}));
            assert_eq!(take(&mut args), Ok(want), "{given}");
            assert!(!args.contains_key("lang"));
            assert!(args.contains_key("consumers"));
        }
        for bad in [json!("fr"), json!(1), json!(["zh"])] {
            let mut args = object(json!({"lang": bad}));
            assert!(take(&mut args).unwrap_err().contains("`lang`"), "{bad}");
        }
    }

    #[test]
    fn chinese_arguments_without_lang_mean_chinese() {
        let mut args = object(json!({"steps": ["扣减库存", "charge card"]}));
        assert_eq!(take(&mut args), Ok(Lang::Zh));
        let mut args = object(json!({"metrics": {"note": "数据库 CPU 很高"}}));
        assert_eq!(take(&mut args), Ok(Lang::Zh));
        let mut args = object(json!({"steps": ["reserve stock"], "consumers": "public"}));
        assert_eq!(take(&mut args), Ok(Lang::En));
        // An explicit English wins over Chinese text.
        let mut args = object(json!({"lang": "en", "steps": ["扣减库存"]}));
        assert_eq!(take(&mut args), Ok(Lang::En));
    }
}

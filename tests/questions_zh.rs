//! Every next question the decision tools can ask has a Chinese version, found by walking each tool's
//! interview rather than by sampling: from a few starting arguments, every option of every question
//! asked is given as the answer, and each state that asks something new is walked further, until no
//! new question appears. At every state the Chinese call (`lang: zh`) must ask the same questions as
//! the English one (same `field`, same accepted values, the same numbers and identifiers in the prose),
//! in Chinese, with the rest of the result unchanged; and every block of src/zh/questions.txt must be
//! reached, so the table holds nothing the tools no longer ask.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use backend_engineering_mcp::content::Skill;
use backend_engineering_mcp::decide::common::NextQuestion;
use backend_engineering_mcp::mcp::tools::{Context, ToolEntry, registry};
use backend_engineering_mcp::search::SharedIndex;
use backend_engineering_mcp::zh::{has_cjk, questions};
use serde_json::{Map, Value, json};

/// The tools that ask, with the arguments their walk starts from. Besides the empty call: what a tool
/// needs before it asks anything (plan_slo's target), and the states no answer to an asked question
/// leads to: hashing parameters without the algorithm (audit_security words its question differently),
/// metrics that make pick_scaling_strategy ask about a larger instance, and a strong,
/// multi-step process (plan_data_consistency decides a strong process without asking whether it has
/// several steps, so only a caller who says so unprompted is asked whether it spans one database).
fn starts() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        (
            "audit_security",
            vec![
                json!({}),
                json!({"bcrypt_cost": 12}),
                json!({"argon2_memory_kib": 19456}),
            ],
        ),
        ("diagnose_performance", vec![json!({})]),
        (
            "pick_scaling_strategy",
            vec![
                json!({}),
                json!({"metrics": {"app_cpu_percent": 95}}),
                json!({"metrics": {"db_cpu_percent": 95, "db_io_percent": 90}}),
            ],
        ),
        ("plan_slo", vec![json!({"target_percent": 99.9})]),
        ("choose_api_style", vec![json!({})]),
        (
            "plan_data_consistency",
            vec![
                json!({}),
                json!({"strong_consistency_required": true, "multi_step_process": true}),
            ],
        ),
    ]
}

/// Most calls one walk may make: a bound, so that a tool whose questions never run out fails here
/// instead of running forever. The real walks make far fewer.
const MAX_CALLS: usize = 2_000;

fn context() -> Context {
    let skill = Skill::get();
    Context {
        skill,
        index: SharedIndex::build_in_background(skill),
    }
}

fn call(tool: &ToolEntry, context: &Context, args: &Value) -> (bool, Value, String) {
    let args = match args {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    let result = tool.call(context, args);
    let text = serde_json::to_value(&result.content)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|block| block["text"].as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    (
        result.is_error == Some(true),
        result.structured_content.unwrap_or(Value::Null),
        text,
    )
}

/// The questions a result asks, and the result without them.
fn split(mut result: Value) -> (Vec<Value>, Value) {
    let mut asked = Vec::new();
    if let Value::Object(map) = &mut result {
        match map.remove("next_question") {
            Some(Value::Null) | None => {}
            Some(q) => asked.push(q),
        }
        if let Some(Value::Array(qs)) = map.remove("next_questions") {
            asked.extend(qs);
        }
    }
    (asked, result)
}

fn s<'a>(q: &'a Value, key: &str) -> &'a str {
    q[key].as_str().unwrap_or_default()
}

fn options(q: &Value) -> Vec<String> {
    q["options"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The runs of digits in a text, sorted: what a translation must carry over unchanged.
fn numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

/// Input-style identifiers in a text (`oauth2_oidc`, `metrics.db_io_percent`): words with `_`.
fn identifiers(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| t.contains('_'))
        .map(str::to_string)
        .collect()
}

fn is_value(option: &str) -> bool {
    !option.is_empty()
        && option
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check one Chinese question against its English original; the problem, if any.
fn compare(tool: &str, en: &Value, zh: &Value) -> Result<(), String> {
    let at = format!("{tool} {}", s(en, "field"));
    if s(en, "field") != s(zh, "field") {
        return Err(format!("{at}: field {:?} in Chinese", s(zh, "field")));
    }
    for key in ["question", "how_to_tell"] {
        if !has_cjk(s(zh, key)) {
            return Err(format!("{at}: {key} is not Chinese: {}", s(zh, key)));
        }
        if numbers(s(en, key)) != numbers(s(zh, key)) {
            return Err(format!(
                "{at}: {key} numbers {:?} in English, {:?} in Chinese",
                numbers(s(en, key)),
                numbers(s(zh, key))
            ));
        }
        let missing: Vec<String> = identifiers(s(en, key))
            .into_iter()
            .filter(|id| !s(zh, key).contains(id.as_str()))
            .collect();
        if !missing.is_empty() {
            return Err(format!("{at}: {key} in Chinese lacks {missing:?}"));
        }
    }
    let (en_options, zh_options) = (options(en), options(zh));
    if en_options.len() != zh_options.len() {
        return Err(format!("{at}: {en_options:?} against {zh_options:?}"));
    }
    for (e, z) in en_options.iter().zip(&zh_options) {
        let kept = if is_value(e) || e.starts_with(|c: char| c.is_ascii_digit()) {
            e == z
        } else {
            numbers(e) == numbers(z) && identifiers(e).iter().all(|id| z.contains(id.as_str()))
        };
        if !kept {
            return Err(format!("{at}: option {e:?} became {z:?}"));
        }
    }
    Ok(())
}

/// The arguments that answer `q` in each way its options allow.
fn answers(q: &Value) -> Vec<Map<String, Value>> {
    let field = s(q, "field");
    let numbers = [json!(0), json!(1), json!(95)];
    let mut out = Vec::new();
    let one = |name: &str, value: Value| {
        let mut m = Map::new();
        m.insert(name.to_string(), value);
        m
    };
    for option in options(q) {
        if is_value(&option) {
            out.push(one(field, json!(option)));
        } else if let Some((names, kind)) = option.split_once(':') {
            // `name: true|false`, `name: 0-100`, `a and b: numbers`, `a with b: milliseconds`.
            let names: Vec<&str> = names
                .split_whitespace()
                .filter(|w| w.contains('_'))
                .collect();
            let values: Vec<Value> = if kind.contains("true|false") {
                vec![json!(true), json!(false)]
            } else {
                numbers.to_vec()
            };
            for value in &values {
                let mut all = Map::new();
                for name in &names {
                    all.insert((*name).to_string(), value.clone());
                    out.push(one(name, value.clone()));
                }
                out.push(all);
            }
        } else if option.chars().any(|c| c.is_ascii_digit()) && !option.contains(' ') {
            // A range such as `0-100` for the question's own field.
            out.extend(numbers.iter().map(|v| one(field, v.clone())));
        } else if option.starts_with("a ") || option.starts_with("an ") {
            // A count or an integer, e.g. 600000.
            out.extend(
                [json!(3), json!(1_000), json!(600_000)]
                    .into_iter()
                    .map(|v| one(field, v)),
            );
        } else {
            // An example of free text (an SLI).
            out.push(one(field, json!(option)));
        }
    }
    out
}

fn merged(base: &Value, answer: &Map<String, Value>) -> Value {
    let mut out = base.as_object().cloned().unwrap_or_default();
    for (k, v) in answer {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

#[test]
fn every_next_question_has_a_chinese_version() {
    let context = context();
    let tools = registry();
    let blocks = questions::table().expect("questions.txt parses");
    let mut reached_blocks: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut report: BTreeMap<&str, (usize, BTreeSet<String>)> = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, seeds) in starts() {
        let tool = tools
            .iter()
            .find(|t| t.tool.name == name)
            .unwrap_or_else(|| panic!("no tool {name}"));
        let mut seen_fields: BTreeSet<String> = BTreeSet::new();
        let mut visited: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<(Value, bool)> = seeds.into_iter().map(|s| (s, true)).collect();
        let mut calls = 0;
        while let Some((args, seed)) = queue.pop_front() {
            if !visited.insert(args.to_string()) {
                continue;
            }
            calls += 1;
            assert!(calls <= MAX_CALLS, "{name}: the walk does not end");
            let (en_error, en, _) = call(tool, &context, &args);
            let (zh_error, zh, zh_text) = call(tool, &context, &merged(&args, &lang_zh()));
            if en_error || zh_error {
                assert_eq!(
                    en_error, zh_error,
                    "{name} {args}: errs in one language only"
                );
                continue;
            }
            let (en_asked, en_rest) = split(en);
            let (zh_asked, zh_rest) = split(zh);
            if en_rest != zh_rest {
                problems.push(format!(
                    "{name} {args}: the result outside the questions differs"
                ));
            }
            if en_asked.len() != zh_asked.len() {
                problems.push(format!(
                    "{name} {args}: asks a different number of questions"
                ));
                continue;
            }
            let mut new = false;
            for (e, z) in en_asked.iter().zip(&zh_asked) {
                if let Err(p) = compare(name, e, z) {
                    problems.push(p);
                }
                if !zh_text.contains(s(z, "question")) {
                    problems.push(format!(
                        "{name} {}: text block lacks the question",
                        s(z, "field")
                    ));
                }
                new |= seen_fields.insert(s(e, "field").to_string());
                let english: NextQuestion = serde_json::from_value(e.clone()).expect("a question");
                if let Some(b) = questions::block_for(name, &english) {
                    reached_blocks.insert(key(b));
                }
            }
            if new || seed {
                for q in &en_asked {
                    for answer in answers(q) {
                        queue.push_back((merged(&args, &answer), false));
                    }
                }
            }
        }
        assert!(!seen_fields.is_empty(), "{name} asked nothing");
        report.insert(name, (calls, seen_fields));
    }
    for (name, (calls, fields)) in &report {
        eprintln!(
            "{name}: {calls} calls, {} questions: {fields:?}",
            fields.len()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let unreached: Vec<String> = blocks
        .iter()
        .filter(|b| !reached_blocks.contains(&key(b)))
        .map(|b| format!("[{} {}] {:?}", b.tool, b.field, b.en_question))
        .collect();
    assert!(
        unreached.is_empty(),
        "questions.txt blocks no tool asks: {unreached:?}"
    );
}

fn lang_zh() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("lang".into(), json!("zh"));
    m
}

fn key(b: &questions::Block) -> (String, String, String) {
    (
        b.tool.to_string(),
        b.field.to_string(),
        b.en_question.unwrap_or_default().to_string(),
    )
}

/// A caller who writes in Chinese and gives no `lang` is asked in Chinese; `lang: en` keeps English.
#[test]
fn chinese_arguments_get_chinese_questions() {
    let context = context();
    let tools = registry();
    let consistency = tools
        .iter()
        .find(|t| t.tool.name == "plan_data_consistency")
        .expect("plan_data_consistency");
    let steps = json!({"steps": ["扣减库存", "扣款", "发货"], "services_involved": 3});
    let (error, zh, text) = call(consistency, &context, &steps);
    assert!(!error, "{text}");
    let (asked, _) = split(zh);
    assert!(!asked.is_empty(), "{text}");
    for q in &asked {
        assert!(has_cjk(s(q, "question")), "{q}");
    }
    let (_, en, _) = call(
        consistency,
        &context,
        &merged(&steps, &{
            let mut m = Map::new();
            m.insert("lang".into(), json!("en"));
            m
        }),
    );
    let (en_asked, _) = split(en);
    assert_eq!(en_asked.len(), asked.len());
    for (e, z) in en_asked.iter().zip(&asked) {
        assert!(!has_cjk(s(e, "question")), "{e}");
        assert_eq!(s(e, "field"), s(z, "field"));
        assert_eq!(options(e), options(z));
    }
    // A Chinese enum synonym is read as the identifier and asks the next question in Chinese.
    let scaling = tools
        .iter()
        .find(|t| t.tool.name == "pick_scaling_strategy")
        .expect("pick_scaling_strategy");
    let (error, out, text) = call(
        scaling,
        &context,
        &json!({"single_server_sufficient": false, "bottleneck": "数据库"}),
    );
    assert!(!error, "{text}");
    let (asked, _) = split(out);
    assert_eq!(asked.len(), 1, "{text}");
    assert_eq!(s(&asked[0], "field"), "workload");
    assert!(has_cjk(s(&asked[0], "question")));
    assert_eq!(options(&asked[0]), vec!["read_heavy", "write_heavy"]);
    // A language it does not ask in is a clear error.
    let (error, _, text) = call(scaling, &context, &json!({"lang": "fr"}));
    assert!(error && text.contains("lang"), "{text}");
}

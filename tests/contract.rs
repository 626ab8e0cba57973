//! The public contract, pinned: `tools/list` and `prompts/list` as a client sees them. A change here is
//! a change to every agent that uses the server; update the snapshots deliberately
//! (`INSTA_UPDATE=always cargo test --test contract`, then review the diff).

mod common;

#[tokio::test]
async fn tools_list_is_stable() {
    let client = common::connect().await;
    let tools = client.list_all_tools().await.unwrap();
    for tool in &tools {
        assert!(tool.title.is_some(), "{} has a title", tool.name);
        assert!(
            tool.output_schema.is_some(),
            "{} has an outputSchema",
            tool.name
        );
        // One `type` per schema node: clients on single-type dialects (e.g. Gemini's) reject arrays.
        for schema in [Some(&tool.input_schema), tool.output_schema.as_ref()]
            .into_iter()
            .flatten()
        {
            let value = serde_json::Value::Object((**schema).clone());
            assert!(
                !backend_engineering_mcp::mcp::schema::has_type_array(&value),
                "{} has a `type` array in a schema",
                tool.name
            );
        }
        let annotations = tool.annotations.as_ref().expect("annotations");
        assert_eq!(
            annotations.read_only_hint,
            Some(true),
            "{} is read-only",
            tool.name
        );
    }
    insta::assert_json_snapshot!("tools_list", tools);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn prompts_list_is_stable() {
    let client = common::connect().await;
    let prompts = client.list_all_prompts().await.unwrap();
    insta::assert_json_snapshot!("prompts_list", prompts);
    client.cancel().await.unwrap();
}

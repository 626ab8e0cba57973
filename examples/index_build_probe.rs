fn main() {
    let skill = backend_engineering_mcp::content::Skill::get();
    for _ in 0..20 {
        let index = backend_engineering_mcp::search::SearchIndex::build(skill).unwrap();
        assert!(!index.is_empty());
    }
}

//! docs/sync.md shows the reference backend's schema and statements exactly
//! as the sync suite runs them (docs/sync/*.sql): the page cannot drift from
//! what is tested.

#[test]
fn the_sync_page_shows_the_scripts_the_tests_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let page = std::fs::read_to_string(format!("{root}/docs/sync.md")).unwrap();
    for script in ["schema.sql", "push.sql", "pull.sql"] {
        let text = std::fs::read_to_string(format!("{root}/docs/sync/{script}")).unwrap();
        let block = format!("```sql\n{}\n```", text.trim_end_matches('\n'));
        assert!(
            page.contains(&block),
            "docs/sync.md does not show docs/sync/{script} as it is"
        );
    }
}

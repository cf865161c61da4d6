//! Documentation sections and the generator of `docs/functions.md`.
use datafusion::logical_expr::DocSection;

pub const SECTION_FORECAST: DocSection = DocSection {
    include: true,
    label: "Forecasting",
    description: Some("Demand forecasting, classification and backtesting."),
};
pub const SECTION_CUSTOMER: DocSection = DocSection {
    include: true,
    label: "Customer analytics",
    description: Some("RFM, clustering, lifetime value, churn, affinity, response and elasticity."),
};
pub const SECTION_INVENTORY: DocSection = DocSection {
    include: true,
    label: "Inventory planning",
    description: Some("Safety stock, reorder points, order quantities and policies."),
};

/// Render `docs/functions.md` from the functions' own documentation. Deterministic: sorted by
/// section, then name.
pub fn functions_markdown() -> String {
    let mut funcs = super::documented_functions();
    funcs.sort_by(|a, b| (a.2.doc_section.label, &a.0).cmp(&(b.2.doc_section.label, &b.0)));
    let mut md = String::from(
        "# aisle SQL functions\n\n\
         Generated from each function's documentation in `src/udfs/` by `aisle docs functions` \
         — do not edit by hand. The same text is served in `information_schema.routines` and \
         psql's `\\df+`.\n",
    );
    let mut section = "";
    for (name, kind, doc) in &funcs {
        if doc.doc_section.label != section {
            section = doc.doc_section.label;
            md.push_str(&format!("\n## {section}\n\n"));
            if let Some(d) = doc.doc_section.description {
                md.push_str(&format!("{d}\n"));
            }
        }
        md.push_str(&format!(
            "\n### `{name}` ({kind})\n\n{}\n\n",
            doc.description
        ));
        md.push_str(&format!("```sql\n{}\n```\n", doc.syntax_example));
        if let Some(args) = &doc.arguments {
            md.push_str("\n| argument | meaning |\n| --- | --- |\n");
            for (a, d) in args {
                md.push_str(&format!("| `{a}` | {} |\n", d.replace('|', "\\|")));
            }
        }
        if let Some(ex) = &doc.sql_example {
            md.push_str(&format!("\nExample:\n\n```sql\n{ex}\n```\n"));
        }
    }
    md
}

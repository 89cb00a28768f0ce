//! Placeholder catalog until branch `catalog` lands; same interface.
use super::Cause;

pub enum Verdict {
    Cause(Cause),
    Ambiguous(&'static [Cause]),
    Generic,
}
pub struct Rule {
    pub stack: String,
    pub pattern: String,
    pub verdict: Verdict,
    pub source: String,
}
pub struct CatalogMatch<'a> {
    pub rule: &'a Rule,
    pub matched: String,
}
pub struct Catalog {
    rules: Vec<Rule>,
}
impl Catalog {
    pub fn builtin() -> Catalog {
        let r = |p: &str, v: Verdict| Rule {
            stack: "x".into(),
            pattern: p.into(),
            verdict: v,
            source: String::new(),
        };
        Catalog {
            rules: vec![
                r("jwt expired", Verdict::Cause(Cause::TokenExpired)),
                r("invalid signature", Verdict::Cause(Cause::InvalidSignature)),
                r(
                    "no authorization token was found",
                    Verdict::Ambiguous(&[Cause::MissingCredentials, Cause::HeaderStripped]),
                ),
            ],
        }
    }
    pub fn find(&self, text: &str) -> Option<CatalogMatch<'_>> {
        let t = text.to_ascii_lowercase();
        self.rules
            .iter()
            .find(|r| t.contains(&r.pattern))
            .map(|rule| CatalogMatch {
                rule,
                matched: rule.pattern.clone(),
            })
    }
    pub fn find_code(&self, code: &str) -> Option<CatalogMatch<'_>> {
        self.find(code)
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}
#[derive(Debug)]
pub struct CatalogError(pub String);
impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl Catalog {
    pub fn with_rules_file(self, _p: &std::path::Path) -> Result<Catalog, CatalogError> {
        Ok(self)
    }
}
pub fn render_rules_table(_c: &Catalog) -> String {
    String::new()
}

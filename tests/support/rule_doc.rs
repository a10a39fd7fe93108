//! The fenced code blocks of a rule's documentation (`rules/<id>.md`).

/// The fenced blocks with the given language inside the section that starts with `heading`.
pub fn blocks<'a>(doc: &'a str, heading: &str, language: &str) -> Vec<&'a str> {
    let Some(start) = doc.find(heading) else {
        return Vec::new();
    };
    let section = &doc[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let fence = format!("```{language}\n");
    section
        .split(fence.as_str())
        .skip(1)
        .filter_map(|rest| rest.find("```").map(|end| &rest[..end]))
        .collect()
}

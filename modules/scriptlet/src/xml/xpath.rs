//! The XPath subset of `doc:xpath(q[, ctx])`: location paths of element steps. Supported:
//! absolute (`/iq/query`) and relative (`query/item`) paths, `//` (descendants), `*`, `.`,
//! `..`, `text()`, prefixes (ignored: names match local names), and predicates `[n]`,
//! `[@a]`, `[@a='v']`, `[name]`, `[name='v']` (child text). Anything else is an error.

use super::tree::{Kind, Tree};

/// One step's node test.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Name(String),
    Any,
    Text,
    SelfNode,
    Parent,
}

/// A predicate in brackets.
#[derive(Debug, Clone, PartialEq)]
enum Predicate {
    Position(usize),
    HasAttr(String),
    AttrEquals(String, String),
    HasChild(String),
    ChildEquals(String, String),
}

#[derive(Debug, Clone, PartialEq)]
struct Step {
    descendants: bool,
    test: Test,
    predicates: Vec<Predicate>,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    absolute: bool,
    steps: Vec<Step>,
}

impl Path {
    /// Parses `query`; the error says what is not supported.
    pub fn parse(query: &str) -> Result<Path, String> {
        let query = query.trim();
        let absolute = query.starts_with('/');
        let mut steps = Vec::new();
        let mut rest = query;
        let mut first = true;
        while !rest.is_empty() {
            let descendants = if let Some(r) = rest.strip_prefix("//") {
                rest = r;
                true
            } else if let Some(r) = rest.strip_prefix('/') {
                rest = r;
                false
            } else if first {
                false
            } else {
                return Err(format!("unexpected '{rest}' in xpath '{query}'"));
            };
            first = false;
            let end = step_end(rest);
            let (text, tail) = rest.split_at(end);
            steps.push(parse_step(text, descendants, query)?);
            rest = tail;
        }
        if steps.is_empty() {
            return Err(format!("empty xpath '{query}'"));
        }
        Ok(Path { absolute, steps })
    }

    /// Evaluates the path against `tree` from `context` (ignored for absolute paths, which
    /// start at the document); returns matching nodes in document order without duplicates.
    pub fn select(&self, tree: &Tree, context: Option<usize>) -> Vec<usize> {
        // `None` stands for the document node above the root element.
        let mut current: Vec<Option<usize>> = if self.absolute {
            vec![None]
        } else {
            vec![context.or(tree.root)]
        };
        for step in &self.steps {
            let mut next: Vec<Option<usize>> = Vec::new();
            for node in &current {
                for found in apply(tree, *node, step) {
                    if !next.contains(&Some(found)) {
                        next.push(Some(found));
                    }
                }
            }
            current = next;
        }
        current.into_iter().flatten().collect()
    }
}

/// Where the current step ends: the next `/` outside brackets and quotes.
fn step_end(text: &str) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth = depth.saturating_sub(1),
            (None, '/') if depth == 0 => return i,
            _ => {}
        }
    }
    text.len()
}

fn parse_step(text: &str, descendants: bool, query: &str) -> Result<Step, String> {
    let (head, mut rest) = match text.find('[') {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let test = match head.trim() {
        "" => return Err(format!("empty step in xpath '{query}'")),
        "*" => Test::Any,
        "." => Test::SelfNode,
        ".." => Test::Parent,
        "text()" => Test::Text,
        name if name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:".contains(c)) =>
        {
            Test::Name(local(name).to_owned())
        }
        other => return Err(format!("unsupported step '{other}' in xpath '{query}'")),
    };
    let mut predicates = Vec::new();
    while let Some(inner) = rest.strip_prefix('[') {
        let close =
            step_end_bracket(inner).ok_or_else(|| format!("unclosed '[' in xpath '{query}'"))?;
        predicates.push(parse_predicate(&inner[..close], query)?);
        rest = &inner[close + 1..];
    }
    if !rest.trim().is_empty() {
        return Err(format!("unexpected '{rest}' in xpath '{query}'"));
    }
    Ok(Step {
        descendants,
        test,
        predicates,
    })
}

fn step_end_bracket(text: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ']') => return Some(i),
            _ => {}
        }
    }
    None
}

fn parse_predicate(text: &str, query: &str) -> Result<Predicate, String> {
    let text = text.trim();
    if let Ok(n) = text.parse::<usize>() {
        return Ok(Predicate::Position(n));
    }
    let (lhs, value) = match text.split_once('=') {
        Some((lhs, rhs)) => (lhs.trim(), Some(unquote(rhs.trim(), query)?)),
        None => (text, None),
    };
    let (attribute, name) = match lhs.strip_prefix('@') {
        Some(name) => (true, name),
        None => (false, lhs),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:".contains(c))
    {
        return Err(format!(
            "unsupported predicate '[{text}]' in xpath '{query}'"
        ));
    }
    let name = if attribute { name } else { local(name) }.to_owned();
    Ok(match (attribute, value) {
        (true, None) => Predicate::HasAttr(name),
        (true, Some(v)) => Predicate::AttrEquals(name, v),
        (false, None) => Predicate::HasChild(name),
        (false, Some(v)) => Predicate::ChildEquals(name, v),
    })
}

fn unquote(text: &str, query: &str) -> Result<String, String> {
    for q in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(q).and_then(|t| t.strip_suffix(q)) {
            return Ok(inner.to_owned());
        }
    }
    Err(format!(
        "expected a quoted string, got '{text}' in xpath '{query}'"
    ))
}

fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, local)| local)
}

/// The nodes one step reaches from `node` (`None`: the document node).
fn apply(tree: &Tree, node: Option<usize>, step: &Step) -> Vec<usize> {
    let candidates: Vec<usize> = match (&step.test, node) {
        (Test::SelfNode, Some(id)) => vec![id],
        (Test::Parent, Some(id)) => tree.parent(id).into_iter().collect(),
        (Test::SelfNode | Test::Parent, None) => Vec::new(),
        _ => {
            let mut out = Vec::new();
            let tops: Vec<usize> = match node {
                Some(id) => tree.children(id).to_vec(),
                None => tree.root.into_iter().collect(),
            };
            for top in tops {
                if step.descendants {
                    descendants_or_self(tree, top, &mut out);
                } else {
                    out.push(top);
                }
            }
            out.into_iter()
                .filter(|&id| matches_test(tree, id, &step.test))
                .collect()
        }
    };
    step.predicates.iter().fold(candidates, |nodes, predicate| {
        nodes
            .iter()
            .enumerate()
            .filter(|(index, id)| matches_predicate(tree, **id, *index + 1, predicate))
            .map(|(_, id)| *id)
            .collect()
    })
}

fn descendants_or_self(tree: &Tree, id: usize, out: &mut Vec<usize>) {
    out.push(id);
    for &child in tree.children(id) {
        descendants_or_self(tree, child, out);
    }
}

fn element_name(tree: &Tree, id: usize) -> Option<&str> {
    match tree.kind(id)? {
        Kind::Element { name, .. } => Some(name),
        Kind::Text(_) => None,
    }
}

fn matches_test(tree: &Tree, id: usize, test: &Test) -> bool {
    match test {
        Test::Name(name) => element_name(tree, id) == Some(name.as_str()),
        Test::Any => element_name(tree, id).is_some(),
        Test::Text => matches!(tree.kind(id), Some(Kind::Text(_))),
        Test::SelfNode | Test::Parent => true,
    }
}

fn matches_predicate(tree: &Tree, id: usize, position: usize, predicate: &Predicate) -> bool {
    let child = |name: &str| {
        tree.children(id)
            .iter()
            .copied()
            .filter(move |&c| element_name(tree, c) == Some(name))
            .collect::<Vec<_>>()
    };
    match predicate {
        Predicate::Position(n) => position == *n,
        Predicate::HasAttr(name) => tree.attr(id, name).is_some(),
        Predicate::AttrEquals(name, value) => tree.attr(id, name).as_deref() == Some(value),
        Predicate::HasChild(name) => !child(name).is_empty(),
        Predicate::ChildEquals(name, value) => {
            child(name).iter().any(|&c| tree.contents(c) == *value)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tree: &Tree, ids: &[usize]) -> Vec<String> {
        ids.iter().map(|&id| tree.to_xml(id)).collect()
    }

    fn sample() -> Tree {
        Tree::parse(
            "<iq type='set'><query xmlns='jabber:iq:roster'>\
             <item jid='a@x'><group>One</group></item>\
             <item jid='b@x' name='B'/></query></iq>",
            false,
        )
        .expect("parses")
    }

    #[test]
    fn absolute_relative_and_descendant_paths() {
        let tree = sample();
        let items = Path::parse("/iq/query/item")
            .expect("parses")
            .select(&tree, None);
        assert_eq!(items.len(), 2);
        let root = tree.root;
        let relative = Path::parse("query/item")
            .expect("parses")
            .select(&tree, root);
        assert_eq!(relative, items);
        let groups = Path::parse("//group/text()")
            .expect("parses")
            .select(&tree, None);
        assert_eq!(names(&tree, &groups), ["One"]);
        assert!(
            Path::parse("/message")
                .expect("parses")
                .select(&tree, None)
                .is_empty()
        );
        let any = Path::parse("/*/*").expect("parses").select(&tree, None);
        assert_eq!(any.len(), 1);
        let parent = Path::parse("//group/..")
            .expect("parses")
            .select(&tree, None);
        assert_eq!(parent, vec![items[0]]);
    }

    #[test]
    fn predicates() {
        let tree = sample();
        let select = |q: &str| Path::parse(q).expect("parses").select(&tree, None);
        assert_eq!(select("//item[@jid='b@x']").len(), 1);
        assert_eq!(select("//item[@name]"), select("//item[2]"));
        assert_eq!(select("//item[group='One']"), select("//item[1]"));
        assert_eq!(select("//item[group]").len(), 1);
        assert_eq!(
            select("//x:item[@jid=\"a@x\"]").len(),
            1,
            "prefixes are ignored"
        );
    }

    #[test]
    fn unsupported_syntax_is_an_error() {
        for bad in [
            "",
            "/",
            "count(//item)",
            "//item[",
            "//item[@a=b]",
            "a | b",
            "a/",
        ] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }
}

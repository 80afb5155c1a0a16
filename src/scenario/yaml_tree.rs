//! A YAML document as a tree that keeps every scalar as written (its text, quoting style and
//! tag), for `--set` overrides: the override edits one node and the document is written back
//! so that every untouched scalar reads exactly as in the file (`1.10` stays the text `1.10`,
//! `12345678901234567890` stays that integer).
//!
//! Aliases are expanded (an override of a node inside an aliased subtree changes that copy
//! only), adding up to [`MAX_ALIAS_NODES`] nodes; the tree holds up to [`MAX_TREE_NODES`]. Comments and flow/block layout are not kept;
//! they carry no meaning.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Tag};

use super::overrides::Step;

/// Most nodes (scalars, lists, mappings) a tree may hold once aliases are expanded; the same
/// bound as the parser's (see `load::MAX_YAML_NODES`).
pub(crate) const MAX_TREE_NODES: usize = super::load::MAX_YAML_NODES;

/// Most nodes the expansion of aliases may add to a tree (as serde-saphyr's default limit on
/// replayed events), so that a small document of nested aliases cannot fill the memory.
pub(crate) const MAX_ALIAS_NODES: usize = 1_000_000;

/// One node of a YAML document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A scalar: its value after escape processing, how it was written, and its tag as text.
    Scalar {
        /// The value (for plain scalars, the text as written).
        value: String,
        /// Whether it was plain (type resolved from the text) or quoted/block (a string).
        plain: bool,
        /// The tag as written (`!!str`), if any.
        tag: Option<String>,
    },
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A plain scalar with an empty value: YAML null.
    pub(crate) fn null() -> Node {
        Node::Scalar {
            value: String::new(),
            plain: true,
            tag: None,
        }
    }

    /// A quoted (string) scalar.
    pub(crate) fn string(value: &str) -> Node {
        Node::Scalar {
            value: value.to_string(),
            plain: false,
            tag: None,
        }
    }

    /// Whether it is YAML null (empty, `~`, `null`).
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { value, plain: true, tag: None }
            if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a scalar (not of a list or mapping).
    pub(crate) fn as_scalar(&self) -> Option<&str> {
        match self {
            Node::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// Parses one YAML document into a tree. Errors are short; the caller reports the parse
/// error of the typed reader instead, which carries a position.
pub(crate) fn parse(text: &str) -> Result<Node, String> {
    let mut builder = Builder::default();
    let mut documents = 0;
    for event in Parser::new_from_str(text) {
        let (event, _) = event.map_err(|e| e.to_string())?;
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    return Err("more than one YAML document".into());
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::Scalar {
                    value: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag.map(|t| tag_text(&t)),
                };
                builder.finish(node, anchor, 1)?;
            }
            Event::SequenceStart(_, anchor, _) => {
                builder.open.push((Open::Seq(Vec::new()), anchor))
            }
            Event::MappingStart(_, anchor, _) => {
                builder.open.push((Open::Map(Vec::new(), None), anchor))
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (open, anchor) = builder.open.pop().ok_or("unbalanced YAML")?;
                let node = match open {
                    Open::Seq(items) => Node::Seq(items),
                    Open::Map(entries, _) => Node::Map(entries),
                };
                builder.finish(node, anchor, 1)?;
            }
            Event::Alias(id) => {
                let node = builder.anchors.get(&id).ok_or("unknown alias")?;
                let added = size(node, MAX_ALIAS_NODES);
                builder.alias_nodes += added;
                if builder.alias_nodes > MAX_ALIAS_NODES {
                    return Err(format!(
                        "aliases (`*name`) expand to more than {MAX_ALIAS_NODES} YAML values"
                    ));
                }
                let node = node.clone();
                builder.finish(node, 0, added)?;
            }
            _ => {}
        }
    }
    builder.root.ok_or_else(|| "empty document".to_string())
}

enum Open {
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    open: Vec<(Open, usize)>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    nodes: usize,
    alias_nodes: usize,
}

impl Builder {
    /// Places a complete node in its parent (or as the root). `added` is how many nodes it
    /// brings that were not counted yet: 1 for a node just parsed (its children were counted
    /// when they were finished), its whole size for a copy of an alias.
    fn finish(&mut self, node: Node, anchor: usize, added: usize) -> Result<(), String> {
        self.nodes += added;
        if self.nodes > MAX_TREE_NODES {
            return Err(format!("more than {MAX_TREE_NODES} YAML values"));
        }
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.open.last_mut() {
            None => self.root = Some(node),
            Some((Open::Seq(items), _)) => items.push(node),
            Some((Open::Map(entries, key), _)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }
}

/// How many nodes `node` holds, counting at most `cap + 1` (for alias copies, whose nodes
/// were not counted as they were parsed).
fn size(node: &Node, cap: usize) -> usize {
    fn walk(node: &Node, left: &mut usize) {
        if *left == 0 {
            return;
        }
        *left -= 1;
        match node {
            Node::Scalar { .. } => {}
            Node::Seq(items) => items.iter().for_each(|n| walk(n, left)),
            Node::Map(entries) => entries.iter().for_each(|(k, v)| {
                walk(k, left);
                walk(v, left)
            }),
        }
    }
    let mut left = cap + 1;
    walk(node, &mut left);
    cap + 1 - left
}

fn tag_text(tag: &Tag) -> String {
    if let Some(suffix) = tag.core_suffix() {
        format!("!!{suffix}")
    } else if tag.handle() == "!" {
        format!("!{}", tag.suffix())
    } else {
        format!("!<{}{}>", tag.handle(), tag.suffix())
    }
}

/// Reads an override value as YAML; text that is not a single YAML value stays a string.
pub(crate) fn parse_value(text: &str) -> Node {
    if text.trim().is_empty() {
        return Node::string(text);
    }
    parse(text).unwrap_or_else(|_| Node::string(text))
}

/// Steps into `node` along `step`, creating a missing mapping entry (as null). `at` describes
/// the steps taken so far, for messages.
pub(crate) fn child<'n>(
    node: &'n mut Node,
    step: &Step,
    at: impl Fn() -> String,
) -> Result<&'n mut Node, String> {
    if node.is_null() {
        *node = Node::Map(Vec::new());
    }
    match (node, step) {
        (Node::Map(entries), Step::Key(key) | Step::Select(key)) => {
            let position = entries
                .iter()
                .position(|(k, _)| k.as_scalar() == Some(key.as_str()));
            let position = position.unwrap_or_else(|| {
                entries.push((Node::string(key), Node::null()));
                entries.len() - 1
            });
            Ok(&mut entries[position].1)
        }
        (Node::Seq(items), Step::Select(selector)) => {
            let len = items.len();
            let position = match selector.parse::<usize>() {
                Ok(i) if i < len => i,
                Ok(i) => return Err(format!("{} has {len} elements, no index {i}", at())),
                Err(_) => items
                    .iter()
                    .position(|item| name_of(item) == Some(selector))
                    .ok_or_else(|| format!("{} has no element named {selector:?}", at()))?,
            };
            Ok(&mut items[position])
        }
        (Node::Seq(_), Step::Key(key)) => Err(format!(
            "{} is a list; select an element with [index] or [name] before `.{key}`",
            at()
        )),
        (_, _) => Err(format!("{} is a single value, not a mapping or list", at())),
    }
}

fn name_of(item: &Node) -> Option<&str> {
    let Node::Map(entries) = item else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.as_scalar() == Some("name"))
        .and_then(|(_, v)| v.as_scalar())
}

/// Writes the tree back as block YAML that reads as the original: plain scalars verbatim,
/// every other scalar double-quoted.
pub(crate) fn emit(root: &Node) -> Result<String, String> {
    let mut out = String::new();
    match root {
        Node::Scalar { .. } => {
            out.push_str(&scalar(root));
            out.push('\n');
        }
        _ => block(&mut out, root, 0)?,
    }
    Ok(out)
}

fn block(out: &mut String, node: &Node, indent: usize) -> Result<(), String> {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                let key = match k {
                    Node::Scalar { value, plain, .. } if *plain && value.is_empty() => "~".into(),
                    Node::Scalar { .. } => scalar(k),
                    _ => return Err("a mapping or list used as a mapping key".into()),
                };
                let _ = write!(out, "{pad}{key}:");
                inline_or_nested(out, v, indent)?;
            }
        }
        Node::Seq(items) => {
            for item in items {
                let _ = write!(out, "{pad}-");
                inline_or_nested(out, item, indent)?;
            }
        }
        Node::Scalar { .. } => unreachable!("scalars are written inline"),
    }
    Ok(())
}

fn inline_or_nested(out: &mut String, v: &Node, indent: usize) -> Result<(), String> {
    match v {
        Node::Scalar { .. } => {
            let text = scalar(v);
            if !text.is_empty() {
                out.push(' ');
                out.push_str(&text);
            }
            out.push('\n');
        }
        Node::Map(e) if e.is_empty() => out.push_str(" {}\n"),
        Node::Seq(i) if i.is_empty() => out.push_str(" []\n"),
        _ => {
            out.push('\n');
            block(out, v, indent + 2)?;
        }
    }
    Ok(())
}

/// A scalar as written: plain text verbatim (it was valid plain YAML), anything else (or a
/// plain scalar spanning lines) double-quoted with escapes; the tag first.
fn scalar(node: &Node) -> String {
    let Node::Scalar { value, plain, tag } = node else {
        unreachable!("scalar() takes scalars")
    };
    let body = if *plain && !value.contains(['\n', '\r']) {
        value.clone()
    } else {
        quoted(value)
    };
    match tag {
        Some(tag) if body.is_empty() => format!("{tag} \"\""),
        Some(tag) => format!("{tag} {body}"),
        None => body,
    }
}

fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_scalars_as_written() {
        let text = "a: 1.10\nb: '1.10'\nc: 12345678901234567890\nd:\n  - x\n  - {n: 007, m: \"q\\\"\"}\ne: |\n  line1\n  line2\nf:\ng: !!str 5\nh: []\n";
        let tree = parse(text).unwrap();
        let back = emit(&tree).unwrap();
        assert_eq!(parse(&back).unwrap(), tree, "{back}");
        assert!(back.contains("a: 1.10\n"), "{back}");
        assert!(back.contains("b: \"1.10\"\n"), "{back}");
        assert!(back.contains("c: 12345678901234567890\n"), "{back}");
        assert!(back.contains("g: !!str 5\n"), "{back}");
    }

    #[test]
    fn aliases_are_expanded_and_bounded() {
        let tree = parse("a: &x {k: 1}\nb: *x\n").unwrap();
        let Node::Map(entries) = &tree else { panic!() };
        assert_eq!(entries[0].1, entries[1].1);
        // A billion-laughs document stops at the bound instead of growing.
        let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
            ));
        }
        assert!(parse(&text).unwrap_err().contains("aliases"));
    }
}

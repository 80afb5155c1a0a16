//! Finding the line and column of a field path in the YAML text, so that diagnostics raised
//! after parsing (by validation) can point into the file too.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::error::{Diagnostic, Location};
use super::load::yaml_options;
use super::overrides::{parse_path, Step};

/// A YAML document reduced to its shape, with the position of every node.
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar(String),
}

/// Fills in the location of every diagnostic whose path (or its nearest existing ancestor)
/// can be found in `text`. Leaves the others unchanged.
pub(crate) fn add_locations(text: &str, diagnostics: &mut [Diagnostic]) {
    let Ok(root) = serde_saphyr::from_str_with_options::<Spanned<Node>>(text, yaml_options())
    else {
        return;
    };
    for diagnostic in diagnostics.iter_mut().filter(|d| d.location.is_none()) {
        if let Ok(steps) = parse_path(&diagnostic.path) {
            diagnostic.location = position(find(&root, &steps));
        }
    }
}

/// The deepest node along `steps`.
fn find<'n>(root: &'n Spanned<Node>, steps: &[Step]) -> &'n Spanned<Node> {
    let mut node = root;
    for step in steps {
        let next = match (&node.value, step) {
            (Node::Map(entries), Step::Key(k) | Step::Select(k)) => {
                entries.iter().find(|(key, _)| key == k).map(|(_, v)| v)
            }
            (Node::Seq(items), Step::Select(selector)) => match selector.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => items.iter().find(|item| name_of(item) == Some(selector)),
            },
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => break,
        }
    }
    node
}

fn name_of(item: &Spanned<Node>) -> Option<&str> {
    let Node::Map(entries) = &item.value else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k == "name")
        .and_then(|(_, v)| match &v.value {
            Node::Scalar(s) => Some(s.as_str()),
            _ => None,
        })
}

fn position(node: &Spanned<Node>) -> Option<Location> {
    let l = node.referenced;
    (l.line() > 0).then(|| Location {
        line: l.line(),
        column: l.column(),
    })
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(String::new()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Scalar(String::new()))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Node>()? {
            let key = match key {
                Node::Scalar(text) => text,
                _ => String::new(),
            };
            entries.push((key, map.next_value()?));
        }
        Ok(Node::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_paths_and_nearest_ancestors() {
        let text = "a:\n  list:\n    - name: x\n      v: 1\n    - name: y\n      v: 2\n";
        let mut ds = vec![
            Diagnostic::new("f", "a.list[1].v", "m"),
            Diagnostic::new("f", "a.list[x].v", "m"),
            Diagnostic::new("f", "a.list[y].missing", "m"),
            Diagnostic::new("f", "", "m"),
        ];
        add_locations(text, &mut ds);
        let lines: Vec<_> = ds.iter().map(|d| d.location.map(|l| l.line)).collect();
        assert_eq!(lines, [Some(6), Some(4), Some(5), None]);
    }
}

//! A flat (pre-order) form of the tree for storage: serde formats bound their
//! recursion (serde_json stops at 128 levels) and a chapter may nest 256 deep.

use serde::{Deserialize, Serialize};

use super::tree::{Element, Node, Ns};

/// One node in pre-order; an element says how many children follow it.
#[derive(Serialize, Deserialize)]
enum Flat {
    Open {
        ns: Ns,
        name: String,
        attrs: Vec<(String, String)>,
        children: usize,
    },
    Text(String),
}

/// An element tree as a flat list of nodes.
#[derive(Serialize, Deserialize)]
pub struct FlatTree(Vec<Flat>);

impl From<Element> for FlatTree {
    fn from(root: Element) -> FlatTree {
        let mut flat = Vec::new();
        let mut pending = vec![Node::Element(root)];
        while let Some(node) = pending.pop() {
            match node {
                Node::Text(text) => flat.push(Flat::Text(text)),
                Node::Element(element) => {
                    let Element {
                        ns,
                        name,
                        attrs,
                        children,
                    } = element;
                    flat.push(Flat::Open {
                        ns,
                        name,
                        attrs,
                        children: children.len(),
                    });
                    pending.extend(children.into_iter().rev());
                }
            }
        }
        FlatTree(flat)
    }
}

impl TryFrom<FlatTree> for Element {
    type Error = String;

    fn try_from(flat: FlatTree) -> Result<Element, String> {
        // Open elements with the number of children each still expects.
        let mut open: Vec<(Element, usize)> = Vec::new();
        for item in flat.0 {
            let node = match item {
                Flat::Text(text) => Node::Text(text),
                Flat::Open {
                    ns,
                    name,
                    attrs,
                    children,
                } => {
                    let element = Element {
                        ns,
                        name,
                        attrs,
                        children: Vec::with_capacity(children),
                    };
                    if children > 0 {
                        open.push((element, children));
                        continue;
                    }
                    Node::Element(element)
                }
            };
            let mut node = node;
            loop {
                let Some((parent, expected)) = open.last_mut() else {
                    return match node {
                        Node::Element(root) if open.is_empty() => Ok(root),
                        _ => Err("text outside the root".into()),
                    };
                };
                if *expected == 0 {
                    return Err("more nodes than the stored tree declares".into());
                }
                parent.children.push(node);
                *expected -= 1;
                if *expected > 0 || open.len() == 1 {
                    break;
                }
                let (finished, _) = open.pop().expect("checked above");
                node = Node::Element(finished);
            }
        }
        match open.pop() {
            Some((root, 0)) if open.is_empty() => Ok(root),
            _ => Err("the stored tree is incomplete".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_or_padded_trees_are_refused_not_panicked_on() {
        let open = |children| Flat::Open {
            ns: Ns::Html,
            name: "p".into(),
            attrs: vec![],
            children,
        };
        let text = || Flat::Text("x".into());
        assert!(Element::try_from(FlatTree(vec![open(2), text()])).is_err());
        assert!(Element::try_from(FlatTree(vec![open(1), text(), text()])).is_err());
        assert!(Element::try_from(FlatTree(vec![text()])).is_err());
        assert!(Element::try_from(FlatTree(vec![])).is_err());
        let ok = Element::try_from(FlatTree(vec![open(2), open(0), text()])).unwrap();
        assert_eq!(ok.children.len(), 2);
    }
}

//! Which change of an order happened before which, from the change graph (deps).
//!
//! The reducer asks only one kind of question — was this field work concurrent with that
//! assignment? — and usually never (no assignment left its author out). So nothing is
//! computed until the first question, and then only for the changes asked about: the
//! ancestors and descendants of one change are one walk each over the graph, kept for the
//! next question about the same change. Memory is linear in the order's changes times the
//! number of distinct changes asked about (a handful of assignments), never quadratic.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;

use automerge::{Automerge, ChangeHash};

/// The change graph of one document, read lazily.
#[derive(Debug)]
pub struct Causality<'a> {
    doc: &'a Automerge,
    graph: OnceCell<Graph>,
    /// Per change asked about: its ancestors and its descendants, as bitsets.
    reach: RefCell<HashMap<usize, Reach>>,
}

#[derive(Debug)]
struct Graph {
    index: HashMap<ChangeHash, usize>,
    deps: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
}

#[derive(Debug)]
struct Reach {
    ancestors: Vec<u64>,
    descendants: Vec<u64>,
}

fn bit(set: &[u64], i: usize) -> bool {
    set.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// Every node reachable from `start` along `edges` (not `start` itself).
fn walk(start: usize, edges: &[Vec<usize>]) -> Vec<u64> {
    let mut seen = vec![0u64; edges.len().div_ceil(64)];
    let mut stack: Vec<usize> = edges.get(start).cloned().unwrap_or_default();
    while let Some(n) = stack.pop() {
        let Some(w) = seen.get_mut(n / 64) else {
            continue;
        };
        if *w & (1 << (n % 64)) != 0 {
            continue;
        }
        *w |= 1 << (n % 64);
        if let Some(next) = edges.get(n) {
            stack.extend(next);
        }
    }
    seen
}

impl<'a> Causality<'a> {
    pub fn new(doc: &'a Automerge) -> Self {
        Causality {
            doc,
            graph: OnceCell::new(),
            reach: RefCell::new(HashMap::new()),
        }
    }

    fn graph(&self) -> &Graph {
        self.graph.get_or_init(|| {
            let metas = self.doc.get_changes_meta(&[]);
            let index: HashMap<ChangeHash, usize> =
                metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
            let deps: Vec<Vec<usize>> = metas
                .iter()
                .map(|m| {
                    m.deps
                        .iter()
                        .filter_map(|d| index.get(d).copied())
                        .collect()
                })
                .collect();
            let mut children = vec![Vec::new(); deps.len()];
            for (i, ds) in deps.iter().enumerate() {
                for &d in ds {
                    if let Some(c) = children.get_mut(d) {
                        c.push(i);
                    }
                }
            }
            Graph {
                index,
                deps,
                children,
            }
        })
    }

    /// Is `other` an ancestor (`Some(true)`), a descendant (`Some(false)`) of `a`, or
    /// neither (`None`)? Walks from `a` once and remembers.
    fn relation(&self, a: usize, other: usize) -> Option<bool> {
        let g = self.graph();
        let mut reach = self.reach.borrow_mut();
        let r = reach.entry(a).or_insert_with(|| Reach {
            ancestors: walk(a, &g.deps),
            descendants: walk(a, &g.children),
        });
        if bit(&r.ancestors, other) {
            Some(true)
        } else if bit(&r.descendants, other) {
            Some(false)
        } else {
            None
        }
    }

    /// True when `a` is a (transitive) dependency of `b`.
    pub fn happened_before(&self, a: &ChangeHash, b: &ChangeHash) -> bool {
        let g = self.graph();
        match (g.index.get(a), g.index.get(b)) {
            (Some(&ia), Some(&ib)) => self.relation(ia, ib) == Some(false),
            _ => false,
        }
    }

    /// Neither happened before the other, and they are different changes. Cheapest when
    /// the same `a` is asked about many times (it is walked from once).
    pub fn concurrent(&self, a: &ChangeHash, b: &ChangeHash) -> bool {
        if a == b {
            return false;
        }
        let g = self.graph();
        match (g.index.get(a), g.index.get(b)) {
            (Some(&ia), Some(&ib)) => self.relation(ia, ib).is_none(),
            // A change the document does not hold is not ordered against anything.
            _ => true,
        }
    }
}

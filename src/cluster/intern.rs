//! String interning: labels, taint keys, namespaces and image names become small integers.

use std::collections::HashMap;

/// An interned string. `Sym(0)` is always the empty string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sym(pub u32);

impl Sym {
    /// The empty string.
    pub const EMPTY: Sym = Sym(0);
}

/// Maps strings to [`Sym`]s and back. Interning happens at build time, never on the hot path.
#[derive(Clone, Debug)]
pub struct Interner {
    ids: HashMap<String, Sym>,
    strings: Vec<String>,
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

impl Interner {
    /// A new interner holding only the empty string.
    pub fn new() -> Self {
        let mut i = Interner {
            ids: HashMap::new(),
            strings: Vec::new(),
        };
        i.intern("");
        i
    }

    /// The symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = Sym(self.strings.len() as u32);
        self.strings.push(s.to_owned());
        self.ids.insert(s.to_owned(), id);
        id
    }

    /// The symbol for `s` if it was interned before.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }

    /// The string behind `sym`.
    pub fn resolve(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }
}

/// Interns whole values (label sets, taint sets) so that equal values share one id.
#[derive(Clone, Debug)]
pub struct ValueInterner<T: Clone + Eq + std::hash::Hash> {
    ids: HashMap<T, u32>,
    values: Vec<T>,
}

impl<T: Clone + Eq + std::hash::Hash> Default for ValueInterner<T> {
    fn default() -> Self {
        ValueInterner {
            ids: HashMap::new(),
            values: Vec::new(),
        }
    }
}

impl<T: Clone + Eq + std::hash::Hash> ValueInterner<T> {
    /// The id for `v`, adding it if new.
    pub fn intern(&mut self, v: T) -> u32 {
        if let Some(&id) = self.ids.get(&v) {
            return id;
        }
        let id = self.values.len() as u32;
        self.values.push(v.clone());
        self.ids.insert(v, id);
        id
    }

    /// The value behind `id`.
    pub fn get(&self, id: u32) -> &T {
        &self.values[id as usize]
    }

    /// Number of distinct values.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when nothing was interned.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

//! A JSON log line read into one flat list of nodes that borrow their
//! strings from the line. A kept line is read for a few dozen fields by key
//! or dotted path: serde into a tree of objects (a vector per object) and
//! then a hash index of every path cost some 20 k instructions a line,
//! more than the rest of its work. Here one pass checks the JSON as
//! serde_json would, writes the nodes in document order (a container's
//! members follow it, and each node knows where its subtree ends), and
//! hashes every reachable dotted path as it goes, continuing its parent's
//! hash. The keys asked for are hashed at compile time ([`Key`]), so an
//! absent key is refused by two bit tests and a present one is found by
//! comparing hashes. Like serde_json's map, a repeated key reads as its
//! last value.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

/// A JSON number as serde_json keeps it without `arbitrary_precision`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// Zero and above.
    PosInt(u64),
    /// Below zero.
    NegInt(i64),
    Float(f64),
}

impl Number {
    pub(crate) fn as_u64(self) -> Option<u64> {
        match self {
            Number::PosInt(n) => Some(n),
            Number::NegInt(_) | Number::Float(_) => None,
        }
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Number::PosInt(n) => n as f64,
            Number::NegInt(n) => n as f64,
            Number::Float(f) => f,
        }
    }
}

impl fmt::Display for Number {
    /// Written as serde_json writes it (`1`, `-3`, `1.5`, `1e21`), so a
    /// number read as text (a numeric request id) reads the same as before.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Number::PosInt(n) => write!(f, "{n}"),
            Number::NegInt(n) => write!(f, "{n}"),
            Number::Float(x) => match serde_json::Number::from_f64(x) {
                Some(n) => write!(f, "{n}"),
                None => write!(f, "{x}"),
            },
        }
    }
}

/// One value of a read document, seen through the document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum JValue<'d, 'a> {
    Null,
    Bool(bool),
    Number(Number),
    /// Borrowed from the line unless it held an escape.
    String(&'d Cow<'a, str>),
    Array(Array<'d, 'a>),
    Object(Object<'d, 'a>),
}

impl<'d, 'a> JValue<'d, 'a> {
    pub(crate) fn as_str(self) -> Option<&'d str> {
        match self {
            JValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// A string as it is stored: borrowed from the line unless it held an
    /// escape, so a clone outlives the document and copies only then.
    pub(crate) fn as_cow(self) -> Option<&'d Cow<'a, str>> {
        match self {
            JValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_object(self) -> Option<Object<'d, 'a>> {
        match self {
            JValue::Object(o) => Some(o),
            _ => None,
        }
    }

    pub(crate) fn as_f64(self) -> Option<f64> {
        match self {
            JValue::Number(n) => Some(n.as_f64()),
            _ => None,
        }
    }

    pub(crate) fn is_null(self) -> bool {
        matches!(self, JValue::Null)
    }
}

/// An object of a document.
#[derive(Clone, Copy)]
pub(crate) struct Object<'d, 'a> {
    doc: &'d Doc<'a>,
    at: usize,
}

/// An array of a document.
#[derive(Clone, Copy)]
pub(crate) struct Array<'d, 'a> {
    doc: &'d Doc<'a>,
    at: usize,
}

impl<'d, 'a> Object<'d, 'a> {
    /// The value of `key`; the last one when the key is repeated.
    pub(crate) fn get(self, key: &str) -> Option<JValue<'d, 'a>> {
        self.doc
            .children(self.at)
            .filter(|&i| self.doc.nodes[i].key == key)
            .last()
            .map(|i| self.doc.view(i))
    }

    pub(crate) fn contains_key(self, key: &str) -> bool {
        self.doc
            .children(self.at)
            .any(|i| self.doc.nodes[i].key == key)
    }

    /// The members in the order written.
    #[cfg(test)]
    pub(crate) fn members(self) -> impl Iterator<Item = (&'d str, JValue<'d, 'a>)> {
        let doc = self.doc;
        doc.children(self.at)
            .map(move |i| (doc.nodes[i].key.as_ref(), doc.view(i)))
    }
}

impl<'d, 'a> Array<'d, 'a> {
    pub(crate) fn first(self) -> Option<JValue<'d, 'a>> {
        self.doc.children(self.at).next().map(|i| self.doc.view(i))
    }

    #[cfg(test)]
    pub(crate) fn items(self) -> impl Iterator<Item = JValue<'d, 'a>> {
        let doc = self.doc;
        doc.children(self.at).map(move |i| doc.view(i))
    }
}

// Two views are the same value if they are the same node.
impl PartialEq for Object<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.at == other.at
    }
}

impl PartialEq for Array<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.at == other.at
    }
}

impl fmt::Debug for Object<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Object@{}", self.at)
    }
}

impl fmt::Debug for Array<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Array@{}", self.at)
    }
}

thread_local! {
    static SPARE: RefCell<Spare> = RefCell::default();
}

/// The buffers of a document read and dropped on this thread, for the next
/// one: a log's JSON lines are read one after another, and a document's
/// three buffers made anew for each were most of the allocator's work in a
/// JSON-lines run. Buffers grown past [`Spare::KEEP`] elements are let go.
#[derive(Default)]
struct Spare {
    nodes: Vec<Node<'static>>,
    paths: Vec<(u64, usize)>,
    slots: Vec<(u64, usize)>,
}

impl Spare {
    const KEEP: usize = 4096;

    /// This thread's spare buffers (none during its teardown).
    fn take() -> Spare {
        SPARE
            .try_with(|spare| spare.try_borrow_mut().map(|mut s| std::mem::take(&mut *s)))
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// Keep these buffers, emptied, for this thread's next document.
    fn keep(mut self) {
        self.paths.clear();
        self.slots.clear();
        if self.nodes.capacity() > Spare::KEEP {
            self.nodes = Vec::new();
        }
        for buffer in [&mut self.paths, &mut self.slots] {
            if buffer.capacity() > Spare::KEEP {
                *buffer = Vec::new();
            }
        }
        // (`try_with`: during thread teardown the spare may be gone.)
        let _ = SPARE.try_with(|spare| {
            if let Ok(mut spare) = spare.try_borrow_mut() {
                *spare = self;
            }
        });
    }
}

/// An empty vector with `nodes`' allocation, for nodes of any lifetime:
/// collecting a vector's own iterator into elements of the same size
/// reuses its allocation.
// (Clippy would filter instead, which keeps the lifetime.)
#[allow(clippy::unnecessary_filter_map)]
fn emptied<'b>(nodes: Vec<Node<'_>>) -> Vec<Node<'b>> {
    nodes.into_iter().filter_map(|_| None).collect()
}

/// A read JSON document: its nodes in document order, the first being the
/// top value. Every node's `end` is the index just after its subtree, so a
/// container's members are found by hopping from one to the next.
pub(crate) struct Doc<'a> {
    nodes: Vec<Node<'a>>,
    /// Every member a lookup can reach (not those inside arrays), by the
    /// hash of its dotted path.
    paths: PathTable,
    /// The (path hash, node) list the table was built from, kept only to
    /// be handed to the next document (see [`Spare`]).
    hashes: Vec<(u64, usize)>,
}

impl Drop for Doc<'_> {
    fn drop(&mut self) {
        Spare {
            nodes: emptied(std::mem::take(&mut self.nodes)),
            paths: std::mem::take(&mut self.hashes),
            slots: std::mem::take(&mut self.paths.slots),
        }
        .keep();
    }
}

struct Node<'a> {
    /// The member name; empty for the top value and array items.
    key: Cow<'a, str>,
    value: Slot<'a>,
    /// The index after this node's subtree.
    end: usize,
    /// The container holding this node (the top value holds itself).
    parent: usize,
    /// A later member of the same object has the same key.
    shadowed: bool,
}

enum Slot<'a> {
    Null,
    Bool(bool),
    Number(Number),
    /// Borrowed from the line unless it held escapes.
    String(Cow<'a, str>),
    Array,
    Object,
}

impl<'a> Doc<'a> {
    /// Read one JSON document borrowing from `text`; `None` unless it is
    /// exactly one JSON value, as serde_json would accept it (trailing text,
    /// control characters in strings, lone surrogates, nesting deeper than
    /// 127 refused).
    pub(crate) fn parse(text: &'a str) -> Option<Doc<'a>> {
        Doc::read(text, PathTable::budget)
    }

    /// [`Doc::parse`] with the table's probe budget for so many paths.
    fn read(text: &'a str, budget: fn(usize) -> usize) -> Option<Doc<'a>> {
        let Spare {
            nodes,
            paths,
            slots,
        } = Spare::take();
        let mut reader = Reader {
            text,
            at: 0,
            depth: 0,
            nodes,
            paths,
        };
        // A usual log line's members and their members.
        reader.nodes.reserve(48);
        reader.paths.reserve(48);
        let whole = reader.value(Cow::Borrowed(""), 0, Under::Top).is_some() && {
            reader.blanks();
            reader.at == text.len()
        };
        if !whole {
            let nodes = emptied(reader.nodes);
            let paths = reader.paths;
            Spare {
                nodes,
                paths,
                slots,
            }
            .keep();
            return None;
        }
        let mut nodes = reader.nodes;
        let hashes = reader.paths;
        let paths = PathTable::new(&hashes, &mut nodes, budget(hashes.len()), slots);
        Some(Doc {
            nodes,
            paths,
            hashes,
        })
    }

    /// An object of string members, as a logfmt line's pairs are.
    pub(crate) fn from_members<I>(members: I) -> Doc<'a>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut nodes = vec![Node {
            key: Cow::Borrowed(""),
            value: Slot::Object,
            end: 0,
            parent: 0,
            shadowed: false,
        }];
        let mut paths = Vec::new();
        for (key, value) in members {
            let at = nodes.len();
            paths.push((fnv(FNV_START, key.as_bytes()), at));
            nodes.push(Node {
                key: Cow::Borrowed(key),
                value: Slot::String(Cow::Borrowed(value)),
                end: at + 1,
                parent: 0,
                shadowed: false,
            });
        }
        nodes[0].end = nodes.len();
        let hashes = paths;
        let paths = PathTable::new(
            &hashes,
            &mut nodes,
            PathTable::budget(hashes.len()),
            Vec::new(),
        );
        Doc {
            nodes,
            paths,
            hashes,
        }
    }

    /// The top value.
    pub(crate) fn top(&self) -> JValue<'_, 'a> {
        self.view(0)
    }

    /// The value of a top-level key, else of a dotted path through nested
    /// objects (`err.inner.message`). A key as written wins over the path
    /// that spells the same (`{"a.b": 1, "a": {"b": 2}}` reads 1); a key
    /// holding a dot is never a step of a path.
    #[inline(always)]
    pub(crate) fn get(&self, key: &Key<'_>) -> Option<JValue<'_, 'a>> {
        // Most keys asked for are absent: one probe tells, without a call.
        if self.paths.is_surely_absent(key.hash) {
            return None;
        }
        self.get_present(key)
    }

    fn get_present(&self, key: &Key<'_>) -> Option<JValue<'_, 'a>> {
        if self.paths.walk {
            return self.walk(key.text);
        }
        let mut by_path = None;
        for at in self.paths.candidates(key.hash) {
            let node = &self.nodes[at];
            if node.parent == 0 && node.key == key.text {
                if self.is_last_of_its_key(at) {
                    return Some(self.view(at));
                }
            } else if by_path.is_none() && self.is_path_to(at, key.text) {
                by_path = Some(at);
            }
        }
        by_path.map(|at| self.view(at))
    }

    /// [`Doc::get`] by walking the objects, for a line whose table was
    /// given up: slower, the same answers.
    fn walk(&self, key: &str) -> Option<JValue<'_, 'a>> {
        let top = self.top().as_object()?;
        if let Some(v) = top.get(key) {
            return Some(v);
        }
        let (first, rest) = key.split_once('.')?;
        let mut cur = top.get(first)?;
        for step in rest.split('.') {
            cur = cur.as_object()?.get(step)?;
        }
        Some(cur)
    }

    /// Whether walking `path`'s dotted steps from the top, each time to the
    /// last member of that name, ends at the node `at`.
    fn is_path_to(&self, mut at: usize, path: &str) -> bool {
        let mut rest = path.as_bytes();
        loop {
            let node = &self.nodes[at];
            let key = node.key.as_bytes();
            // A key holding a dot is not a step.
            if at == 0
                || !rest.ends_with(key)
                || key.contains(&b'.')
                || !self.is_last_of_its_key(at)
            {
                return false;
            }
            let before = rest.len() - key.len();
            if node.parent == 0 {
                // The first step, and not the whole key (that is an exact
                // member, not a path).
                return before == 0 && key.len() < path.len();
            }
            match before.checked_sub(1) {
                Some(dot) if rest[dot] == b'.' => rest = &rest[..dot],
                _ => return false,
            }
            at = node.parent;
        }
    }

    /// Whether no later member of the node's container has its key.
    fn is_last_of_its_key(&self, at: usize) -> bool {
        !self.nodes[at].shadowed
    }

    fn view(&self, at: usize) -> JValue<'_, 'a> {
        match &self.nodes[at].value {
            Slot::Null => JValue::Null,
            Slot::Bool(b) => JValue::Bool(*b),
            Slot::Number(n) => JValue::Number(*n),
            Slot::String(s) => JValue::String(s),
            Slot::Array => JValue::Array(Array { doc: self, at }),
            Slot::Object => JValue::Object(Object { doc: self, at }),
        }
    }

    /// The indices of the members of the container at `at`.
    fn children(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[at].end;
        let mut next = at + 1;
        std::iter::from_fn(move || {
            let child = next;
            (child < end).then(|| {
                next = self.nodes[child].end;
                child
            })
        })
    }
}

/// A key or dotted path to look up, hashed when the program is built:
/// `Key::new("req.headers.host")` in a `const` (see [`keys!`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Key<'k> {
    text: &'k str,
    hash: u64,
}

impl<'k> Key<'k> {
    pub(crate) const fn new(text: &'k str) -> Key<'k> {
        Key {
            text,
            hash: fnv(FNV_START, text.as_bytes()),
        }
    }

    /// The key as written: a member name, or a path of them joined by `.`.
    #[cfg(test)]
    pub(crate) fn text(&self) -> &'k str {
        self.text
    }
}

/// Keys hashed at compile time: `keys!["a", "b.c"]` is a `&[Key; 2]`.
macro_rules! keys {
    ($($key:literal),+ $(,)?) => {
        &const { [$($crate::logs::jvalue::Key::new($key)),+] }
    };
}
pub(crate) use keys;

/// One key hashed at compile time: `key!("a.b")` is a `&Key`.
macro_rules! key {
    ($key:literal) => {
        &const { $crate::logs::jvalue::Key::new($key) }
    };
}
pub(crate) use key;

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, continued from `hash` over `bytes`: a path's hash is its
/// parent's continued over `.` and the member name, so no path is written
/// out while a line is read.
const fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Words of [`PathTable`]'s filter: 1 024 bits, so that a line of 25
/// paths (a pino request line) lets about 1 absent key in 400 through, and
/// one of 100 about 1 in 30.
const FILTER_WORDS: usize = 16;

/// The reachable members by their paths' hashes: open addressing, at
/// most half full, and a filter in front, so an absent key is nearly
/// always told by two bit tests. Never empty: a power-of-two number of
/// slots, at least one.
struct PathTable {
    /// (hash, node + 1); a node of 0 is an empty slot.
    slots: Vec<(u64, usize)>,
    /// Two bits set per path hash ([`PathTable::bits`]): most keys asked
    /// for are absent, and an empty home slot alone let through as many
    /// as the table is full (a third to a half), each then probed.
    filter: [u64; FILTER_WORDS],
    /// The paths' hashes collide too much to be worth a table (a line made
    /// to do so): lookups walk the objects instead.
    walk: bool,
}

impl PathTable {
    /// The table of `paths` (in document order), marking the members that
    /// a later member of their object shadows: two members of one object
    /// with one key have the same path hash, so they meet in the table,
    /// and the later takes the slot. So does a path that meets one no
    /// lookup can reach any more (below a shadowed member): a line of many
    /// repeated keys keeps its probes short. Past `budget` probes in all,
    /// the table is given up for walks.
    /// (`slots` is a buffer to build the table in.)
    fn new(
        paths: &[(u64, usize)],
        nodes: &mut [Node<'_>],
        mut budget: usize,
        mut slots: Vec<(u64, usize)>,
    ) -> PathTable {
        let size = (2 * paths.len()).next_power_of_two().max(16);
        slots.clear();
        slots.resize(size, (0, 0));
        let mut filter = [0; FILTER_WORDS];
        for &(hash, at) in paths {
            for bit in PathTable::bits(hash) {
                filter[bit / 64] |= 1 << (bit % 64);
            }
            let mut i = PathTable::home(hash, size);
            loop {
                let (h, occupant) = slots[i];
                let Some(earlier) = occupant.checked_sub(1) else {
                    slots[i] = (hash, at + 1);
                    break;
                };
                if h == hash {
                    let same_member = nodes[earlier].parent == nodes[at].parent
                        && nodes[earlier].key == nodes[at].key;
                    if same_member {
                        nodes[earlier].shadowed = true;
                    }
                    if same_member || is_unreachable(nodes, earlier) {
                        slots[i] = (hash, at + 1);
                        break;
                    }
                }
                let Some(left) = budget.checked_sub(1) else {
                    // One taken slot and every bit: no hash is surely
                    // absent.
                    return PathTable {
                        slots: vec![(0, 1)],
                        filter: [u64::MAX; FILTER_WORDS],
                        walk: true,
                    };
                };
                budget = left;
                i = (i + 1) & (size - 1);
            }
        }
        PathTable {
            slots,
            filter,
            walk: false,
        }
    }

    /// Probes a table of `paths` may take: a few per path, as a table at
    /// most half full needs.
    fn budget(paths: usize) -> usize {
        16 * paths + 1024
    }

    #[inline(always)]
    fn home(hash: u64, size: usize) -> usize {
        // FNV's low bits mix poorly: take them from a multiplied hash's top.
        (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & (size - 1)
    }

    /// The filter's two bits for a path hash, from the multiplied hash's
    /// top (as [`PathTable::home`]; the slot index uses other bits).
    #[inline(always)]
    fn bits(hash: u64) -> [usize; 2] {
        let mixed = hash.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let bits = (FILTER_WORDS * 64) as u64;
        [(mixed >> 54) % bits, (mixed >> 44) % bits].map(|b| b as usize)
    }

    /// Whether no path has this hash: one of its filter bits is clear, or
    /// its home slot is empty.
    #[inline(always)]
    fn is_surely_absent(&self, hash: u64) -> bool {
        let [a, b] = PathTable::bits(hash);
        let set = |bit: usize| self.filter[bit / 64] >> (bit % 64) & 1 == 1;
        !(set(a) && set(b)) || self.slots[PathTable::home(hash, self.slots.len())].1 == 0
    }

    /// The nodes whose path has this hash (and, rarely, another path with
    /// the same hash: the caller checks). Not for a walking table, whose
    /// one slot is taken: the probe would not end (`Doc::get_present`
    /// walks instead).
    fn candidates(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        let size = self.slots.len();
        let mut i = PathTable::home(hash, size);
        std::iter::from_fn(move || loop {
            let &(h, node) = self.slots.get(i)?;
            if node == 0 {
                return None;
            }
            i = (i + 1) & (size - 1);
            if h == hash {
                return Some(node - 1);
            }
        })
    }
}

/// Whether a lookup can never reach the node at `at`: it or a member
/// above it has a later member of the same key.
fn is_unreachable(nodes: &[Node<'_>], mut at: usize) -> bool {
    while at != 0 {
        if nodes[at].shadowed {
            return true;
        }
        at = nodes[at].parent;
    }
    false
}

/// Where a value sits: the top value, a member reached by a path of names
/// (the path's hash), or somewhere no lookup reaches (inside an array).
#[derive(Clone, Copy)]
enum Under {
    Top,
    Path(u64),
    Unreachable,
}

/// serde_json's nesting limit: the 128th open container is refused.
const MAX_DEPTH: u32 = 128;

struct Reader<'a> {
    text: &'a str,
    at: usize,
    depth: u32,
    nodes: Vec<Node<'a>>,
    /// Each reachable member's path hash and node, in document order.
    paths: Vec<(u64, usize)>,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    /// Skip JSON's four blanks.
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.blanks();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Read one value as the node named `key` in the container at
    /// `parent`, and its members after it.
    fn value(&mut self, key: Cow<'a, str>, parent: usize, under: Under) -> Option<()> {
        self.blanks();
        let at = self.nodes.len();
        let value = match self.peek()? {
            open @ (b'{' | b'[') => {
                self.depth += 1;
                if self.depth >= MAX_DEPTH {
                    return None;
                }
                self.at += 1;
                let is_object = open == b'{';
                self.nodes.push(Node {
                    key,
                    value: if is_object { Slot::Object } else { Slot::Array },
                    end: 0,
                    parent,
                    shadowed: false,
                });
                if is_object {
                    self.members(at, under)?;
                } else {
                    self.items(at)?;
                }
                self.depth -= 1;
                self.nodes[at].end = self.nodes.len();
                return Some(());
            }
            b'"' => {
                self.at += 1;
                Slot::String(self.string()?)
            }
            b't' => self.literal("true", Slot::Bool(true))?,
            b'f' => self.literal("false", Slot::Bool(false))?,
            b'n' => self.literal("null", Slot::Null)?,
            b'-' | b'0'..=b'9' => Slot::Number(self.number()?),
            _ => return None,
        };
        self.nodes.push(Node {
            key,
            value,
            end: at + 1,
            parent,
            shadowed: false,
        });
        Some(())
    }

    /// The members of the object at `at`, after its `{`.
    fn members(&mut self, at: usize, under: Under) -> Option<()> {
        self.blanks();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.eat(b'"')?;
            let key = self.string()?;
            self.eat(b':')?;
            let path = match under {
                Under::Top => Under::Path(fnv(FNV_START, key.as_bytes())),
                Under::Path(parent) => Under::Path(fnv(fnv(parent, b"."), key.as_bytes())),
                Under::Unreachable => Under::Unreachable,
            };
            if let Under::Path(hash) = path {
                self.paths.push((hash, self.nodes.len()));
            }
            self.value(key, at, path)?;
            self.blanks();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The items of the array at `at`, after its `[`.
    fn items(&mut self, at: usize) -> Option<()> {
        self.blanks();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Some(());
        }
        loop {
            self.value(Cow::Borrowed(""), at, Under::Unreachable)?;
            self.blanks();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &str, value: Slot<'a>) -> Option<Slot<'a>> {
        let rest = self.text.as_bytes().get(self.at..)?;
        rest.starts_with(word.as_bytes()).then(|| {
            self.at += word.len();
            value
        })
    }

    /// A string's text, after its opening quote; borrowed unless it holds
    /// escapes.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let stop = start + find_special(bytes.get(start..)?)?;
        if bytes[stop] == b'"' {
            self.at = stop + 1;
            return self.text.get(start..stop).map(Cow::Borrowed);
        }
        // Room for the rest of a usual string at once (it cannot be longer
        // than the rest of the line; a kilobyte bounds what a long line of
        // many escaped strings holds).
        let mut out = String::with_capacity((bytes.len() - start).min(1024));
        let mut run = start;
        let mut stop = stop;
        loop {
            // Every stop is an ASCII byte, so the runs are whole characters.
            out.push_str(self.text.get(run..stop)?);
            match bytes[stop] {
                b'"' => {
                    self.at = stop + 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    self.at = stop + 1;
                    self.escape(&mut out)?;
                }
                // A raw control character.
                _ => return None,
            }
            run = self.at;
            stop = run + find_special(bytes.get(run..)?)?;
        }
    }

    /// One escape, after its backslash.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let c = self.peek()?;
        self.at += 1;
        out.push(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let high = self.hex4()?;
                let code = match high {
                    0xD800..=0xDBFF => {
                        // A leading surrogate must be followed by a trailing one.
                        let rest = self.text.as_bytes().get(self.at..)?;
                        if !rest.starts_with(b"\\u") {
                            return None;
                        }
                        self.at += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        0x1_0000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => high,
                };
                char::from_u32(code)?
            }
            _ => return None,
        });
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.as_bytes().get(self.at..self.at + 4)?;
        let mut n = 0;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16)?;
        }
        self.at += 4;
        Some(n)
    }

    /// A number, checked against JSON's grammar; plain integers are read
    /// here, the rest as serde_json reads them (its float reading and its
    /// range errors).
    fn number(&mut self) -> Option<Number> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let digits_from = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let negative = bytes.get(start) == Some(&b'-');
        let int_start = start + usize::from(negative);
        let mut end = match bytes.get(int_start)? {
            b'0' => int_start + 1,
            b'1'..=b'9' => digits_from(int_start + 1),
            _ => return None,
        };
        let int_end = end;
        if bytes.get(end) == Some(&b'.') {
            let after = digits_from(end + 1);
            if after == end + 1 {
                return None;
            }
            end = after;
        }
        if matches!(bytes.get(end), Some(b'e' | b'E')) {
            let mut i = end + 1;
            if matches!(bytes.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let after = digits_from(i);
            if after == i {
                return None;
            }
            end = after;
        }
        self.at = end;
        // Up to 19 digits always fit in a u64.
        if !negative && end == int_end && int_end - int_start <= 19 {
            let n = bytes[int_start..int_end]
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            return Some(Number::PosInt(n));
        }
        let n: serde_json::Number = serde_json::from_str(self.text.get(start..end)?).ok()?;
        Some(if let Some(u) = n.as_u64() {
            Number::PosInt(u)
        } else if let Some(i) = n.as_i64() {
            Number::NegInt(i)
        } else {
            Number::Float(n.as_f64()?)
        })
    }
}

/// Where the first quote, backslash or control character of `bytes` is:
/// eight bytes at a time (each test below flags the first matching byte of
/// a word exactly; only bytes after it can be flagged wrongly).
fn find_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut done = 0;
    let mut rest = bytes;
    while let Some((word, tail)) = rest.split_first_chunk::<8>() {
        let x = u64::from_le_bytes(*word);
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        let flags = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if flags != 0 {
            return Some(done + (flags.trailing_zeros() / 8) as usize);
        }
        done += 8;
        rest = tail;
    }
    rest.iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| done + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'d, 'a>(doc: &'d Doc<'a>, key: &str) -> Option<JValue<'d, 'a>> {
        doc.get(&Key::new(key))
    }

    /// The document as serde_json's value, to compare with serde_json's own
    /// reading (whose map also keeps a repeated key's last value).
    fn to_serde(v: JValue<'_, '_>) -> serde_json::Value {
        use serde_json::Value as S;
        match v {
            JValue::Null => S::Null,
            JValue::Bool(b) => S::Bool(b),
            JValue::Number(Number::PosInt(n)) => S::from(n),
            JValue::Number(Number::NegInt(n)) => S::from(n),
            JValue::Number(Number::Float(x)) => S::from(x),
            JValue::String(s) => S::from(s.as_ref()),
            JValue::Array(a) => S::Array(a.items().map(to_serde).collect()),
            JValue::Object(o) => {
                let mut map = serde_json::Map::new();
                for (k, v) in o.members() {
                    map.insert(k.to_string(), to_serde(v));
                }
                S::Object(map)
            }
        }
    }

    fn same_as_serde(text: &str) {
        let ours = Doc::parse(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text).ok();
        assert_eq!(ours.as_ref().map(|d| to_serde(d.top())), theirs, "{text:?}");
    }

    #[test]
    fn reads_what_serde_json_reads_and_borrows_plain_strings() {
        let line = r#"{"a": "plain", "b": "esc\"aped", "n": 401, "neg": -2, "f": 1.5, "big": 1e21,
            "t": true, "z": null, "arr": [1, "x"], "o": {"k": "v"}, "a": "last"}"#;
        let doc = Doc::parse(line).expect("valid JSON");
        let o = doc.top().as_object().expect("an object");
        // A repeated key reads as its last value, as in serde_json's Map.
        assert_eq!(o.get("a").and_then(JValue::as_str), Some("last"));
        assert!(matches!(
            doc.nodes[1].value,
            Slot::String(Cow::Borrowed("plain"))
        ));
        assert!(matches!(&doc.nodes[2].value, Slot::String(Cow::Owned(s)) if s == "esc\"aped"));
        let num = |k: &str| match o.get(k) {
            Some(JValue::Number(n)) => n,
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(num("n").as_u64(), Some(401));
        assert_eq!(num("neg").as_u64(), None);
        assert_eq!(num("f").as_f64(), 1.5);
        // Numbers print as serde_json prints them.
        let reference: serde_json::Value = serde_json::from_str(line).expect("valid JSON");
        for k in ["n", "neg", "f", "big"] {
            assert_eq!(num(k).to_string(), reference[k].to_string(), "{k}");
        }
        assert_eq!(o.get("t"), Some(JValue::Bool(true)));
        assert!(o.get("z").is_some_and(JValue::is_null));
        assert!(matches!(o.get("arr"), Some(JValue::Array(a)) if a.items().count() == 2));
        assert_eq!(o.get("missing"), None);
        same_as_serde(line);
    }

    /// A thread's documents reuse the buffers of those dropped before:
    /// nothing of an earlier line, read or refused, may show in a later one.
    /// The filter lets through every path a line has and few that it
    /// has not: with only the home slot to ask, a third of these did.
    #[test]
    fn absent_keys_are_nearly_all_refused_without_a_probe() {
        let line = r#"{"level":30,"time":1,"pid":7,"hostname":"h","req":{"id":"a","method":"GET","url":"/x","headers":{"host":"api","user-agent":"ua","x-request-id":"a"},"remoteAddress":"10.0.0.1","remotePort":1},"res":{"statusCode":401,"headers":{"content-type":"t","content-length":"2"}},"responseTime":3,"msg":"done"}"#;
        let doc = Doc::parse(line).expect("valid JSON");
        for path in ["level", "req.headers.x-request-id", "res.statusCode", "msg"] {
            assert!(!doc.paths.is_surely_absent(Key::new(path).hash), "{path}");
            assert!(get(&doc, path).is_some(), "{path}");
        }
        let absent: Vec<String> = (0..2000).map(|i| format!("req.k{i}")).collect();
        let through = absent
            .iter()
            .filter(|k| !doc.paths.is_surely_absent(Key::new(k).hash))
            .count();
        assert!(through < 20, "{through} of 2000 absent keys let through");
        assert!(absent.iter().all(|k| get(&doc, k).is_none()));
    }

    #[test]
    fn documents_read_one_after_another_know_only_their_own_members() {
        let wide: String = (0..300)
            .map(|i| format!(r#""k{i}":{{"v":{i}}}"#))
            .collect::<Vec<_>>()
            .join(",");
        let wide = format!("{{{wide}}}");
        let lines = [
            wide.as_str(),
            r#"{"k1": 5, "status": 401}"#,
            r#"{"k1": [1, 2], "unterminated": "#,
            r#"{"msg": "only this"}"#,
        ];
        for _ in 0..2 {
            for line in lines {
                same_as_serde(line);
            }
        }
        let doc = Doc::parse(lines[3]).expect("valid JSON");
        assert_eq!(get(&doc, "k1"), None);
        assert_eq!(get(&doc, "k299.v"), None);
        assert_eq!(get(&doc, "status"), None);
        assert_eq!(get(&doc, "msg").and_then(|v| v.as_str()), Some("only this"));
        drop(doc);
        let doc = Doc::parse(&wide).expect("valid JSON");
        assert!(matches!(
            get(&doc, "k299.v"),
            Some(JValue::Number(n)) if n.as_u64() == Some(299)
        ));
    }

    #[test]
    fn a_table_built_in_a_used_buffer_is_the_one_built_in_a_new_buffer() {
        let line = r#"{"a": 1, "b": {"c": 2}, "d": [3]}"#;
        let slots = |text: &str| Doc::parse(text).expect("valid JSON").paths.slots.clone();
        let fresh = slots(line);
        // Another line's table (as big) in the buffer before this one's.
        let other = slots(r#"{"p": 1, "q": {"r": 2}, "s": 3, "t": 4}"#);
        assert_eq!(other.len(), fresh.len());
        assert_ne!(other, fresh);
        assert_eq!(slots(line), fresh);
    }

    #[test]
    fn emptied_nodes_keep_their_allocation() {
        let text = String::from(r#"{"x": "y", "z": [1]}"#);
        let mut nodes = Vec::with_capacity(100);
        nodes.append(&mut Doc::parse(&text).expect("valid JSON").nodes);
        assert_eq!(nodes.len(), 4);
        let capacity = nodes.capacity();
        let emptied: Vec<Node<'static>> = emptied(nodes);
        drop(text);
        assert!(emptied.is_empty());
        assert_eq!(emptied.capacity(), capacity);
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        for bad in [
            "{\"a\": 1} x",
            "{\"a\": }",
            "{",
            "",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "+1",
            "1e400",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\x\"",
            "\"tab\there\"",
            "tru",
            "nul",
            "{\"a\" 1}",
            "{1: 2}",
            "[1 2]",
        ] {
            assert!(Doc::parse(bad).is_none(), "{bad:?}");
            same_as_serde(bad);
        }
        // serde_json's nesting limit still holds: no stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(Doc::parse(&deep).is_none());
        for depth in [126, 127, 128, 129] {
            same_as_serde(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            same_as_serde(&format!(
                "{}1{}",
                "{\"a\":".repeat(depth),
                "}".repeat(depth)
            ));
        }
    }

    #[test]
    fn reads_escapes_numbers_and_blanks_as_serde_json_does() {
        for good in [
            r#""\"\\\/\b\f\n\r\t""#,
            r#""\u00e9\u20AC\ud83d\ude00 é""#,
            r#"{"k\u0041y": "x", "": [], "e": {}}"#,
            " \t\r\n{ \"a\" : [ 1 , -0 , 0.5e-3 , 1E+2 , 18446744073709551615 , 18446744073709551616 , -9223372036854775808 , -9223372036854775809 , 12345678901234567890123 ] } \n",
            "[true,false,null,\"\"]",
            "0",
            "-0.0",
            "1e-400",
        ] {
            assert!(Doc::parse(good).is_some(), "{good:?}");
            same_as_serde(good);
        }
    }

    /// Lines of every JSON shape in the captures and samples, cut and
    /// spliced at random: whatever serde_json accepts is read the same,
    /// whatever it refuses is refused.
    #[test]
    fn mutated_log_lines_are_read_as_serde_json_reads_them() {
        let seeds = [
            r#"{"level":50,"time":1795424400822,"req":{"id":"1f9","method":"GET","url":"/api/v1/x?q=a+b","headers":{"host":"api.example","user-agent":"Go-http-client/2.0"}},"res":{"statusCode":401,"headers":{"www-authenticate":"Bearer realm=\"api\", error=\"invalid_token\""}},"err":{"type":"JsonWebTokenError","message":"jwt malformed","stack":"Error\n    at /app/x.js:1:2"},"responseTime":3.25,"msg":"request errored"}"#,
            r#"{"time_local":"23/Nov/2026:11:06:53 +0000","remote_addr":"10.0.0.1","request":"GET /x HTTP/1.1","status":"401","upstream_status":"502, 401","request_time":0.001,"tags":["a",1,null,true,{"n":[]}],"u":"\u00e9\ud83d\ude00"}"#,
        ];
        let specials = b"{}[]\":,\\.-+eE0123456789 tfnu\x01";
        let lookups = [
            "req.url",
            "req.headers.host",
            "res.statusCode",
            "err.message",
            "status",
            "tags",
            "time_local",
            "u",
            "request",
            "res.headers.www-authenticate",
            "level",
            "req",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for seed in seeds {
            same_as_serde(seed);
            for _ in 0..3000 {
                let mut bytes = seed.as_bytes().to_vec();
                for _ in 0..(next() % 3 + 1) {
                    let at = (next() as usize) % bytes.len();
                    let byte = specials[(next() as usize) % specials.len()];
                    match next() % 3 {
                        0 => bytes[at] = byte,
                        1 => bytes.insert(at, byte),
                        _ => {
                            bytes.remove(at);
                        }
                    }
                }
                if let Ok(text) = std::str::from_utf8(&bytes) {
                    same_as_serde(text);
                    same_lookups_as_serde(text, &lookups);
                }
            }
        }
    }

    #[test]
    fn special_bytes_are_found_wherever_they_fall() {
        for len in 0..40 {
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes that flag wrongly after a true match must not matter.
                    if at + 1 < len {
                        bytes[at + 1] = 0x01;
                    }
                    bytes[at] = special;
                    assert_eq!(find_special(&bytes), Some(at), "{len} {at} {special}");
                }
            }
            assert_eq!(find_special(&vec![0xC3; len]), None);
            assert_eq!(find_special(&vec![b' '; len]), None);
        }
    }

    #[test]
    fn lookups_by_key_and_dotted_path() {
        let doc = Doc::parse(
            r#"{"a.b": 1, "a": {"b": 2, "c": {"d": "x"}, "e.f": 3}, "top": true, "": {"z": 4}}"#,
        )
        .expect("valid JSON");
        let number = |k: &str| match get(&doc, k) {
            Some(JValue::Number(n)) => n.as_u64(),
            _ => None,
        };
        // A key as written wins over the path that spells the same.
        assert_eq!(number("a.b"), Some(1));
        assert_eq!(get(&doc, "a.c.d").and_then(JValue::as_str), Some("x"));
        assert!(get(&doc, "a.c").and_then(JValue::as_object).is_some());
        assert_eq!(get(&doc, "top"), Some(JValue::Bool(true)));
        // A key holding a dot is not a step of a path.
        assert_eq!(get(&doc, "a.e.f"), None);
        assert_eq!(number(".z"), Some(4));
        assert_eq!(get(&doc, "a.x"), None);
        assert_eq!(get(&doc, "missing"), None);
    }

    /// What a lookup reads, by serde_json's value: a top-level member as
    /// written, else the walk through the last member of each step's name.
    fn reference_get<'v>(v: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
        let top = v.as_object()?;
        if let Some(v) = top.get(key) {
            return Some(v);
        }
        let (first, rest) = key.split_once('.')?;
        let mut cur = top.get(first)?;
        for step in rest.split('.') {
            cur = cur.as_object()?.get(step)?;
        }
        Some(cur)
    }

    fn same_lookups_as_serde(text: &str, keys: &[&str]) {
        let (Some(doc), Some(walking), Ok(reference)) = (
            Doc::parse(text),
            // A table given up at once: every lookup walks.
            Doc::read(text, |_| 0),
            serde_json::from_str::<serde_json::Value>(text),
        ) else {
            return;
        };
        for key in keys {
            let want = reference_get(&reference, key);
            assert_eq!(
                get(&doc, key).map(to_serde).as_ref(),
                want,
                "{key:?} in {text:?}"
            );
            assert_eq!(
                get(&walking, key).map(to_serde).as_ref(),
                want,
                "walked: {key:?} in {text:?}"
            );
        }
    }

    #[test]
    fn repeated_keys_keep_the_table_small() {
        // Thousands of members with one key, at the top and below members
        // that are themselves repeated: each path keeps one slot.
        let member = r#""a":{"b":{"c":1},"b":{"c":2}},"x":3,"#;
        let text = format!("{{{}\"end\":true}}", member.repeat(5000));
        let doc = Doc::parse(&text).expect("valid JSON");
        assert!(!doc.paths.walk);
        let used = doc.paths.slots.iter().filter(|(_, n)| *n != 0).count();
        assert!(used <= 8, "{used} slots for 5 paths");
        same_lookups_as_serde(&text, &["a", "a.b", "a.b.c", "x", "end", "b"]);
    }

    #[test]
    fn lookups_agree_with_a_walk_through_serde_json_values() {
        let keys = [
            "",
            ".",
            ".y",
            "..",
            "a",
            "a.b",
            "a.b.c",
            "a.bb",
            "a.bb.ccc",
            "a.bb.",
            "x.y",
            "x.y.z",
            "x",
            "l",
            "l.in",
            "l.0",
            "s",
            "m.k",
            "status",
            "request_id",
        ];
        for text in [
            r#"{"": {"": 1, "y": 2}, "a": {"bb": {"ccc": 4, "": 5}}, "l": [{"in": 1}]}"#,
            r#"{"a.b": 1, "a": {"b": 2, "b.c": 3}, "x.y": {"z": 1}}"#,
            r#"{"a": {"b": 2}, "a.b": 1, "a": {"c": 3}}"#,
            r#"{"a": {"b": {"c": 1}}, "a.b": 5, "a.b.c": 6}"#,
            r#"{"a": {"b": {"c": 1}, "b": 7}, "x": {"y": {"z": 1}}, "x": {"y": 2}}"#,
            r#"{"m": {"k": 1, "k": 3}, "s": "x", "s": "y", "": {"": {"": 0}}}"#,
            r#"{".": 1, "": {"": 2}, "..": 3}"#,
            r#"[{"a": 1}]"#,
            r#""a""#,
        ] {
            same_lookups_as_serde(text, &keys);
        }
        let long = "k".repeat(70);
        let text = format!(r#"{{"{long}": {{"{long}": {{"v": 7}}}}}}"#);
        let path = format!("{long}.{long}.v");
        same_lookups_as_serde(&text, &[&path, &long]);
        assert!(get(&Doc::parse(&text).expect("valid JSON"), &path).is_some());
    }

    #[test]
    fn a_hash_shared_by_other_paths_is_checked_against_the_key() {
        // Keys forged to share a hash with a present path.
        let doc = Doc::parse(r#"{"a": {"b": 1}, "x": 2}"#).expect("valid JSON");
        let forged = Key {
            text: "a.c",
            hash: Key::new("a.b").hash,
        };
        assert_eq!(doc.get(&forged), None);
        let forged = Key {
            text: "y",
            hash: Key::new("x").hash,
        };
        assert_eq!(doc.get(&forged), None);
        assert!(get(&doc, "x").is_some() && get(&doc, "a.b").is_some());
    }

    #[test]
    fn a_repeated_key_reads_as_its_last_value() {
        // As serde_json's Map does: the last `a` wins, at the top and below.
        let doc = Doc::parse(r#"{"a": {"b": 1, "c": 5}, "s": "x", "a": {"b": 2}, "s": "y"}"#)
            .expect("valid JSON");
        assert_eq!(get(&doc, "a.b"), Some(JValue::Number(Number::PosInt(2))));
        assert_eq!(get(&doc, "a.c"), None);
        assert_eq!(get(&doc, "s").and_then(JValue::as_str), Some("y"));
        let doc = Doc::parse(r#"{"m": {"k": 1, "k": 3}}"#).expect("valid JSON");
        assert_eq!(get(&doc, "m.k"), Some(JValue::Number(Number::PosInt(3))));
    }

    #[test]
    fn members_of_a_logfmt_line() {
        let doc = Doc::from_members([("level", "warn"), ("err.message", "expired"), ("a", "1")]);
        assert_eq!(
            get(&doc, "err.message").and_then(JValue::as_str),
            Some("expired")
        );
        assert_eq!(get(&doc, "a").and_then(JValue::as_str), Some("1"));
        assert_eq!(get(&doc, "err"), None);
        assert_eq!(get(&doc, "b"), None);
    }
}

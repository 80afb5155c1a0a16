//! Nodes as a struct of arrays indexed by [`NodeId`].
//!
//! Resource columns are flat `i64` arrays with a stride of `ResourceTable::len()`: the
//! scheduler's fit filter and resource scores read contiguous integers only.

use super::intern::Sym;
use super::resources::ResourceId;

/// Index of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub u32);

impl NodeId {
    /// As a `usize` index.
    #[inline]
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// Id of an interned label set (`World::label_sets`).
pub type LabelSetId = u32;
/// Id of an interned taint set (`World::taint_sets`).
pub type TaintSetId = u32;
/// Id of an interned image (`World::images`).
pub type ImageId = u32;

/// Everything needed to add one node.
#[derive(Clone, Debug)]
pub struct NodeInit {
    /// Unique node name (also its `kubernetes.io/hostname` label).
    pub name: String,
    /// Interned name.
    pub hostname: Sym,
    /// Index into `World::pools` (explicit nodes get a pool of their own name).
    pub pool: u32,
    /// Index into `World::zones`.
    pub zone: u32,
    /// Rack index within the zone, if racks are modelled.
    pub rack: Option<u32>,
    /// Labels (without hostname).
    pub labels: LabelSetId,
    /// Taints.
    pub taints: TaintSetId,
    /// Cordoned.
    pub unschedulable: bool,
    /// Capacity per resource (length = resource stride).
    pub capacity: Vec<i64>,
    /// Allocatable per resource (length = resource stride).
    pub allocatable: Vec<i64>,
    /// Images present from the start.
    pub images: Vec<ImageId>,
}

/// All nodes, column by column.
#[derive(Clone, Debug, Default)]
pub struct Nodes {
    stride: usize,
    /// Node names.
    pub name: Vec<String>,
    /// Interned names (`kubernetes.io/hostname`).
    pub hostname: Vec<Sym>,
    /// Pool index.
    pub pool: Vec<u32>,
    /// Zone index.
    pub zone: Vec<u32>,
    /// Rack index within the zone.
    pub rack: Vec<Option<u32>>,
    /// Label set (without hostname).
    pub labels: Vec<LabelSetId>,
    /// Current taint set (changes with conditions and faults).
    pub taints: Vec<TaintSetId>,
    /// `spec.unschedulable` (cordon).
    pub unschedulable: Vec<bool>,
    /// Ready condition.
    pub ready: Vec<bool>,
    /// The node was deleted from the cluster (its id is never reused; it is in no
    /// `node_order` and holds no pods).
    pub removed: Vec<bool>,
    /// Capacity, `stride` values per node.
    pub capacity: Vec<i64>,
    /// Allocatable, `stride` values per node.
    pub allocatable: Vec<i64>,
    /// Sum of the effective requests of pods bound to the node (`PODS` column = pod count).
    pub requested: Vec<i64>,
    /// Sum of CPU requests with the 100m non-zero default applied (scoring only).
    pub nonzero_cpu: Vec<i64>,
    /// Sum of memory requests with the 200Mi non-zero default applied (scoring only).
    pub nonzero_mem: Vec<i64>,
    /// Images present on the node (in pull order); change only through [`Nodes::add_image`].
    images: Vec<Vec<ImageId>>,
    /// Per node, bit `i` set when the node holds image `i`, for image ids below
    /// [`IMAGE_MASK_BITS`]: ImageLocality tests one word per node instead of searching the list.
    image_mask: Vec<u64>,
}

/// Image ids below this are also kept in the per-node bit mask (`Nodes::image_mask_of`).
pub const IMAGE_MASK_BITS: u32 = 64;

/// The mask bit of `img`, 0 for ids beyond the mask.
#[inline]
pub fn image_bit(img: ImageId) -> u64 {
    if img < IMAGE_MASK_BITS {
        1u64 << img
    } else {
        0
    }
}

impl Nodes {
    /// Empty columns for vectors of `stride` resources.
    pub fn new(stride: usize) -> Self {
        Nodes {
            stride,
            ..Default::default()
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.name.len()
    }

    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.name.is_empty()
    }

    /// Values per node in each resource column.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Appends a node and returns its id.
    pub fn push(&mut self, n: NodeInit) -> NodeId {
        assert_eq!(
            n.capacity.len(),
            self.stride,
            "capacity vector has the wrong stride"
        );
        assert_eq!(
            n.allocatable.len(),
            self.stride,
            "allocatable vector has the wrong stride"
        );
        let id = NodeId(self.name.len() as u32);
        self.name.push(n.name);
        self.hostname.push(n.hostname);
        self.pool.push(n.pool);
        self.zone.push(n.zone);
        self.rack.push(n.rack);
        self.labels.push(n.labels);
        self.taints.push(n.taints);
        self.unschedulable.push(n.unschedulable);
        self.ready.push(true);
        self.removed.push(false);
        self.capacity.extend_from_slice(&n.capacity);
        self.allocatable.extend_from_slice(&n.allocatable);
        self.requested.extend(std::iter::repeat_n(0, self.stride));
        self.nonzero_cpu.push(0);
        self.nonzero_mem.push(0);
        // The list is kept as given (a duplicate counts twice in `ImageInfo::nodes_with`).
        let mask = n.images.iter().fold(0, |m, &img| m | image_bit(img));
        self.images.push(n.images);
        self.image_mask.push(mask);
        id
    }

    /// Images held by `n`, in the order they arrived.
    #[inline]
    pub fn images_of(&self, n: NodeId) -> &[ImageId] {
        &self.images[n.ix()]
    }

    /// Whether `n` holds `img`.
    #[inline]
    pub fn holds_image(&self, n: NodeId, img: ImageId) -> bool {
        if img < IMAGE_MASK_BITS {
            self.image_mask[n.ix()] & (1u64 << img) != 0
        } else {
            self.images[n.ix()].contains(&img)
        }
    }

    /// The bit mask of the images below [`IMAGE_MASK_BITS`] that `n` holds.
    #[inline]
    pub fn image_mask_of(&self, n: NodeId) -> u64 {
        self.image_mask[n.ix()]
    }

    /// Records that `n` holds `img`; false if it held it already.
    pub fn add_image(&mut self, n: NodeId, img: ImageId) -> bool {
        if self.holds_image(n, img) {
            return false;
        }
        self.images[n.ix()].push(img);
        self.image_mask[n.ix()] |= image_bit(img);
        true
    }

    /// Allocatable vector of `n`.
    #[inline]
    pub fn allocatable_of(&self, n: NodeId) -> &[i64] {
        &self.allocatable[n.ix() * self.stride..(n.ix() + 1) * self.stride]
    }

    /// Capacity vector of `n`.
    #[inline]
    pub fn capacity_of(&self, n: NodeId) -> &[i64] {
        &self.capacity[n.ix() * self.stride..(n.ix() + 1) * self.stride]
    }

    /// Requested vector of `n`.
    #[inline]
    pub fn requested_of(&self, n: NodeId) -> &[i64] {
        &self.requested[n.ix() * self.stride..(n.ix() + 1) * self.stride]
    }

    /// Allocatable amount of one resource on `n`.
    #[inline]
    pub fn alloc(&self, n: NodeId, r: ResourceId) -> i64 {
        self.allocatable[n.ix() * self.stride + r]
    }

    /// Requested amount of one resource on `n`.
    #[inline]
    pub fn req(&self, n: NodeId, r: ResourceId) -> i64 {
        self.requested[n.ix() * self.stride + r]
    }

    /// Adds (or with `sign = -1` removes) a pod's requests to node `n`'s totals.
    pub(crate) fn add_requests(
        &mut self,
        n: NodeId,
        requests: &[i64],
        nonzero_cpu: i64,
        nonzero_mem: i64,
        sign: i64,
    ) {
        let base = n.ix() * self.stride;
        for (slot, r) in self.requested[base..base + self.stride]
            .iter_mut()
            .zip(requests)
        {
            *slot += sign * r;
        }
        self.nonzero_cpu[n.ix()] += sign * nonzero_cpu;
        self.nonzero_mem[n.ix()] += sign * nonzero_mem;
    }

    /// A new node shaped like `n` (pool, zone, rack, labels, taints, capacity), named `name`,
    /// not cordoned, with no images: an upgrade's surge node.
    pub fn init_like(&self, n: NodeId, name: String, hostname: Sym) -> NodeInit {
        NodeInit {
            name,
            hostname,
            pool: self.pool[n.ix()],
            zone: self.zone[n.ix()],
            rack: self.rack[n.ix()],
            labels: self.labels[n.ix()],
            taints: self.taints[n.ix()],
            unschedulable: false,
            capacity: self.capacity_of(n).to_vec(),
            allocatable: self.allocatable_of(n).to_vec(),
            images: Vec::new(),
        }
    }

    /// Whether `n` is still part of the cluster (not removed).
    #[inline]
    pub fn is_live(&self, n: NodeId) -> bool {
        !self.removed[n.ix()]
    }

    /// Iterator over the ids of the nodes not removed.
    pub fn live_ids(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.ids().filter(|n| !self.removed[n.ix()])
    }

    /// Iterator over all node ids (removed nodes included).
    pub fn ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.len() as u32).map(NodeId)
    }
}

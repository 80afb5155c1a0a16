//! GPU devices on nodes: per-device free milli-GPU and GPU memory, the device each GPU pod
//! holds, and the fragmentation measure of Fragmentation Gradient Descent.
//!
//! A node of a pool with `gpus: {count, model, memory}` has `count` devices of 1000 milli-GPU
//! and `memory` bytes each. Two kinds of GPU request:
//! - whole GPUs (`nvidia.com/gpu: k`): `k` devices that are completely free, held whole;
//! - a GPU share (`alibabacloud.com/gpu-milli: m`, `alibabacloud.com/gpu-mem: b`, either or
//!   both): packed onto ONE device with at least `m` milli and `b` bytes free.
//!
//! The fragmentation measure follows Weng et al., "Beware of Fragmentation: Scheduling
//! GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC'23 (and its
//! simulator's `NodeGpuShareFragAmountScore`): against a target workload (pod shapes with
//! frequencies), a node's fragmentation is `Σ_t freq_t · F(t)` where `F(t)` is the free
//! milli-GPU of the devices that cannot hold `t`'s per-device demand when `t` fits on the
//! node at all, and all the node's free milli-GPU otherwise (CPU-only shapes count all).
//!
//! Node device state lives in rows grown on first bind: a node without a row has every
//! device free. Nothing here allocates on the scheduling path.

use super::nodes::NodeId;
use super::pods::PodId;
use super::resources::ResourceId;

/// Most devices one node may have (validated).
pub const MAX_GPUS_PER_NODE: usize = 16;
/// Milli-GPU of one device.
pub const MILLI_PER_GPU: i64 = 1000;
/// The whole-GPU extended resource.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";
/// The GPU-share resource: milli-GPU on one device.
pub const GPU_MILLI_RESOURCE: &str = "alibabacloud.com/gpu-milli";
/// The GPU-share resource: GPU memory (bytes) on one device.
pub const GPU_MEM_RESOURCE: &str = "alibabacloud.com/gpu-mem";

/// How a device is picked on the chosen node (the profile's GPU score plugin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DevicePolicy {
    /// The lowest-index device that fits (no GPU score plugin).
    #[default]
    FirstFit,
    /// The device left with the least free milli-GPU (`BestFitScore`).
    BestFit,
    /// The device whose use raises the node's fragmentation least (`FGDScore`).
    Fgd,
}

/// A pod's GPU demand.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GpuDemand {
    /// Whole devices (`nvidia.com/gpu`).
    pub whole: i64,
    /// Milli-GPU on one device.
    pub milli: i64,
    /// GPU memory bytes on one device.
    pub mem: i64,
}

impl GpuDemand {
    /// No GPU requested.
    pub fn is_none(&self) -> bool {
        self.whole == 0 && self.milli == 0 && self.mem == 0
    }

    /// A share of one device.
    pub fn is_share(&self) -> bool {
        self.whole == 0 && (self.milli > 0 || self.mem > 0)
    }

    /// Milli-GPU the demand takes from one device it uses (1000 for whole devices).
    pub fn milli_per_device(&self) -> i64 {
        if self.whole > 0 {
            MILLI_PER_GPU
        } else {
            self.milli
        }
    }
}

/// One pod shape of the FGD target workload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetPod {
    /// Its GPU demand.
    pub demand: GpuDemand,
    /// Its CPU request, millicores.
    pub cpu: i64,
    /// Its frequency (the weights sum to 1).
    pub freq: f64,
}

/// The devices of one node seen free (a copy on the stack).
#[derive(Clone, Copy, Debug)]
pub struct DeviceView {
    /// Number of devices.
    pub n: usize,
    /// Device memory, bytes.
    pub mem_total: i64,
    /// Free milli-GPU per device.
    pub free_milli: [i64; MAX_GPUS_PER_NODE],
    /// Free memory per device.
    pub free_mem: [i64; MAX_GPUS_PER_NODE],
}

impl DeviceView {
    fn fully_free(&self, d: usize) -> bool {
        self.free_milli[d] == MILLI_PER_GPU && self.free_mem[d] == self.mem_total
    }

    /// Whether the demand fits: `whole` fully free devices, or one device with the share free.
    pub fn fits(&self, g: &GpuDemand) -> bool {
        if g.whole > 0 {
            (0..self.n).filter(|&d| self.fully_free(d)).count() as i64 >= g.whole
        } else {
            (0..self.n).any(|d| self.free_milli[d] >= g.milli && self.free_mem[d] >= g.mem)
        }
    }

    /// Free milli-GPU over all devices.
    pub fn free_total(&self) -> i64 {
        self.free_milli[..self.n].iter().sum()
    }

    /// Free milli-GPU of devices partially in use.
    pub fn free_partial(&self) -> i64 {
        self.free_milli[..self.n]
            .iter()
            .filter(|&&f| f > 0 && f < MILLI_PER_GPU)
            .sum()
    }

    /// The node's FGD fragmentation (milli-GPU) against `targets`, with `cpu_free` millicores
    /// free on the node (see the module docs).
    pub fn fragmentation(&self, cpu_free: i64, targets: &[TargetPod]) -> f64 {
        let total = self.free_total();
        let mut frag = 0.0;
        for t in targets {
            let gpu_t = !t.demand.is_none();
            let f = if gpu_t && cpu_free >= t.cpu && self.fits(&t.demand) {
                let need = t.demand.milli_per_device();
                self.free_milli[..self.n]
                    .iter()
                    .filter(|&&f| f < need)
                    .sum::<i64>()
            } else {
                total
            };
            frag += t.freq * f as f64;
        }
        frag
    }

    /// Takes the demand off the devices in `mask`.
    pub fn take(&mut self, g: &GpuDemand, mask: u32) {
        for d in 0..self.n {
            if mask & (1 << d) != 0 {
                if g.whole > 0 {
                    self.free_milli[d] = 0;
                    self.free_mem[d] = 0;
                } else {
                    self.free_milli[d] -= g.milli;
                    self.free_mem[d] -= g.mem;
                }
            }
        }
    }

    /// The devices the demand would use under `policy` (a bit mask), None if it does not fit.
    /// Whole GPUs take the lowest-index fully free devices under every policy; a share takes
    /// the first fitting device (FirstFit), the one left with the least free milli-GPU
    /// (BestFit; ties: less memory left, then lower index) or the one whose use raises the
    /// fragmentation least (Fgd; ties: lower index).
    pub fn choose(
        &self,
        g: &GpuDemand,
        policy: DevicePolicy,
        cpu_free_after: i64,
        targets: &[TargetPod],
    ) -> Option<u32> {
        if g.whole > 0 {
            let mut mask = 0u32;
            let mut k = 0;
            for d in 0..self.n {
                if k < g.whole && self.fully_free(d) {
                    mask |= 1 << d;
                    k += 1;
                }
            }
            return (k == g.whole).then_some(mask);
        }
        let mut best: Option<(usize, f64, i64)> = None;
        for d in 0..self.n {
            if self.free_milli[d] < g.milli || self.free_mem[d] < g.mem {
                continue;
            }
            let (key, key2) = match policy {
                DevicePolicy::FirstFit => return Some(1 << d),
                DevicePolicy::BestFit => (
                    (self.free_milli[d] - g.milli) as f64,
                    self.free_mem[d] - g.mem,
                ),
                DevicePolicy::Fgd => {
                    let mut v = *self;
                    v.take(g, 1 << d);
                    (v.fragmentation(cpu_free_after, targets), 0)
                }
            };
            if best.is_none_or(|(_, k, k2)| key < k || (key == k && key2 < k2)) {
                best = Some((d, key, key2));
            }
        }
        best.map(|(d, _, _)| 1 << d)
    }
}

/// Devices of the nodes of one pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolGpus {
    /// Devices per node (0 = none).
    pub count: u32,
    /// Device model (label-like, informational).
    pub model: String,
    /// Memory per device, bytes (0 = not modelled).
    pub memory: i64,
}

#[derive(Clone, Copy, Debug, Default)]
struct NodeUse {
    milli: [i64; MAX_GPUS_PER_NODE],
    mem: [i64; MAX_GPUS_PER_NODE],
}

/// The device a bound GPU pod holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Its node.
    pub node: NodeId,
    /// Devices held (bit `d` = device `d`).
    pub mask: u32,
    /// What it takes from each of them.
    pub demand: GpuDemand,
}

/// Every node's GPU devices and every GPU pod's devices.
#[derive(Clone, Debug, Default)]
pub struct GpuDevices {
    /// `nvidia.com/gpu`, if the run knows it.
    pub whole_res: Option<ResourceId>,
    /// `alibabacloud.com/gpu-milli`, if the run knows it.
    pub milli_res: Option<ResourceId>,
    /// `alibabacloud.com/gpu-mem`, if the run knows it.
    pub mem_res: Option<ResourceId>,
    /// Per pool (index `World::pools`; shorter = no devices).
    pub pools: Vec<PoolGpus>,
    /// Device choice per scheduling profile (index = the template's profile).
    pub policy: Vec<DevicePolicy>,
    /// The FGD target workload.
    pub targets: Vec<TargetPod>,
    used: Vec<NodeUse>,
    assigned: Vec<Option<Assignment>>,
}

impl GpuDevices {
    /// Whether any pool has devices.
    pub fn has_devices(&self) -> bool {
        self.pools.iter().any(|p| p.count > 0)
    }

    /// The GPU demand of a pod with per-resource `requests`.
    #[inline]
    pub fn demand(&self, requests: &[i64]) -> GpuDemand {
        let get = |r: Option<ResourceId>| r.and_then(|r| requests.get(r).copied()).unwrap_or(0);
        GpuDemand {
            whole: get(self.whole_res),
            milli: get(self.milli_res),
            mem: get(self.mem_res),
        }
    }

    /// The devices of the pool `pool`.
    pub fn pool(&self, pool: u32) -> Option<&PoolGpus> {
        self.pools.get(pool as usize).filter(|p| p.count > 0)
    }

    /// The free state of node `n` of pool `pool`.
    #[inline]
    pub fn view(&self, n: NodeId, pool: u32) -> DeviceView {
        let (count, mem) = self
            .pool(pool)
            .map_or((0, 0), |p| (p.count as usize, p.memory));
        let mut v = DeviceView {
            n: count.min(MAX_GPUS_PER_NODE),
            mem_total: mem,
            free_milli: [MILLI_PER_GPU; MAX_GPUS_PER_NODE],
            free_mem: [mem; MAX_GPUS_PER_NODE],
        };
        if let Some(u) = self.used.get(n.ix()) {
            for d in 0..v.n {
                v.free_milli[d] -= u.milli[d];
                v.free_mem[d] -= u.mem[d];
            }
        }
        v
    }

    /// The policy of profile `profile`.
    pub fn policy_of(&self, profile: u32) -> DevicePolicy {
        self.policy
            .get(profile as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Records that `pod` (profile `profile`, demand `g`, `cpu_free_after` millicores left on
    /// the node) takes devices on `n`. No-op for pods without a GPU demand or nodes without
    /// devices (a whole-GPU pod on a node advertising `nvidia.com/gpu` without `gpus`).
    pub fn bind(
        &mut self,
        pod: PodId,
        n: NodeId,
        pool: u32,
        g: GpuDemand,
        policy: DevicePolicy,
        cpu_free_after: i64,
    ) {
        if g.is_none() || self.pool(pool).is_none() {
            return;
        }
        let v = self.view(n, pool);
        // A bind the filter did not check (DaemonSet pods, forced binds) takes what is left.
        let mask = v
            .choose(&g, policy, cpu_free_after, &self.targets)
            .unwrap_or(0);
        if mask == 0 {
            return;
        }
        if self.used.len() <= n.ix() {
            self.used.resize(n.ix() + 1, NodeUse::default());
        }
        let u = &mut self.used[n.ix()];
        for d in 0..v.n {
            if mask & (1 << d) != 0 {
                if g.whole > 0 {
                    u.milli[d] = MILLI_PER_GPU;
                    u.mem[d] = v.mem_total;
                } else {
                    u.milli[d] += g.milli;
                    u.mem[d] += g.mem;
                }
            }
        }
        let ix = pod.index as usize;
        if self.assigned.len() <= ix {
            self.assigned.resize(ix + 1, None);
        }
        self.assigned[ix] = Some(Assignment {
            node: n,
            mask,
            demand: g,
        });
    }

    /// Frees the devices `pod` holds.
    pub fn unbind(&mut self, pod: PodId) {
        let Some(a) = self
            .assigned
            .get_mut(pod.index as usize)
            .and_then(Option::take)
        else {
            return;
        };
        let u = &mut self.used[a.node.ix()];
        for d in 0..MAX_GPUS_PER_NODE {
            if a.mask & (1 << d) != 0 {
                if a.demand.whole > 0 {
                    u.milli[d] = 0;
                    u.mem[d] = 0;
                } else {
                    u.milli[d] -= a.demand.milli;
                    u.mem[d] -= a.demand.mem;
                }
            }
        }
    }

    /// The devices `pod` holds, if any.
    pub fn assignment(&self, pod: PodId) -> Option<Assignment> {
        self.assigned.get(pod.index as usize).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(free: &[i64]) -> DeviceView {
        let mut v = DeviceView {
            n: free.len(),
            mem_total: 0,
            free_milli: [0; MAX_GPUS_PER_NODE],
            free_mem: [0; MAX_GPUS_PER_NODE],
        };
        v.free_milli[..free.len()].copy_from_slice(free);
        v
    }

    fn share(m: i64) -> GpuDemand {
        GpuDemand {
            milli: m,
            ..GpuDemand::default()
        }
    }

    #[test]
    fn a_share_needs_one_device() {
        // Two devices with 600 free each: 1200 in total, but 700 fits on neither.
        let v = view(&[600, 600]);
        assert!(!v.fits(&share(700)));
        assert!(v.fits(&share(600)));
        assert_eq!(v.choose(&share(700), DevicePolicy::FirstFit, 0, &[]), None);
    }

    #[test]
    fn whole_gpus_need_fully_free_devices() {
        let v = view(&[1000, 999, 1000, 0]);
        let two = GpuDemand {
            whole: 2,
            ..GpuDemand::default()
        };
        let three = GpuDemand {
            whole: 3,
            ..GpuDemand::default()
        };
        assert!(v.fits(&two));
        assert!(!v.fits(&three));
        assert_eq!(v.choose(&two, DevicePolicy::Fgd, 0, &[]), Some(0b101));
    }

    #[test]
    fn best_fit_takes_the_tightest_device() {
        // 300 milli onto devices with 1000, 400, 500 free: best fit leaves 100 on device 1.
        let v = view(&[1000, 400, 500]);
        assert_eq!(
            v.choose(&share(300), DevicePolicy::BestFit, 0, &[]),
            Some(0b010)
        );
        assert_eq!(
            v.choose(&share(300), DevicePolicy::FirstFit, 0, &[]),
            Some(0b001)
        );
    }

    #[test]
    fn fgd_fragmentation_by_hand() {
        // Target workload: half 500-milli shares, half one whole GPU (cpu 0).
        let targets = [
            TargetPod {
                demand: share(500),
                cpu: 0,
                freq: 0.5,
            },
            TargetPod {
                demand: GpuDemand {
                    whole: 1,
                    ..GpuDemand::default()
                },
                cpu: 0,
                freq: 0.5,
            },
        ];
        // Free [1000, 600, 300]: for 500-shares the 300 is a fragment; for whole GPUs 600 and
        // 300 are: 0.5·300 + 0.5·900 = 600.
        let v = view(&[1000, 600, 300]);
        assert_eq!(v.fragmentation(0, &targets), 600.0);
        // Placing a 300-milli share: on device 0 → [700, 600, 300]: 0.5·300 + 0.5·1600 = 950;
        // on device 1 → [1000, 300, 300]: 0.5·600 + 0.5·600 = 600; on device 2 → [1000, 600,
        // 0]: 0.5·0 + 0.5·600 = 300. FGD takes device 2; best fit also (0 left).
        assert_eq!(
            v.choose(&share(300), DevicePolicy::Fgd, 0, &targets),
            Some(0b100)
        );
        // FGD and best fit disagree: only 500-milli shares in the target, free [700, 550], a
        // 150-milli pod. Best fit: device 1 (400 left). FGD: device 1 → [700, 400], fragment
        // 400; device 0 → [550, 550], fragment 0: device 0.
        let shares = [TargetPod {
            demand: share(500),
            cpu: 0,
            freq: 1.0,
        }];
        let w = view(&[700, 550]);
        assert_eq!(
            w.choose(&share(150), DevicePolicy::BestFit, 0, &shares),
            Some(0b10)
        );
        assert_eq!(
            w.choose(&share(150), DevicePolicy::Fgd, 0, &shares),
            Some(0b01)
        );
        // When the node cannot host a target at all (CPU), all free GPU is fragment.
        let cpu_heavy = [TargetPod {
            demand: share(100),
            cpu: 8000,
            freq: 1.0,
        }];
        assert_eq!(v.fragmentation(4000, &cpu_heavy), 1900.0);
    }
}

#[cfg(test)]
mod state_tests {
    use super::*;

    #[test]
    fn unbind_frees_the_device_the_pod_holds() {
        let mut g = GpuDevices {
            pools: vec![PoolGpus {
                count: 2,
                model: "A100".into(),
                memory: 0,
            }],
            ..GpuDevices::default()
        };
        let n = NodeId(0);
        let pod = |i| PodId { index: i, gen: 0 };
        let share = |m| GpuDemand {
            milli: m,
            ..GpuDemand::default()
        };
        let ff = DevicePolicy::FirstFit;
        g.bind(pod(0), n, 0, share(600), ff, 0); // device 0: 400 free
        g.bind(pod(1), n, 0, share(500), ff, 0); // device 1: 500 free
        g.bind(pod(2), n, 0, share(300), ff, 0); // device 0: 100 free
        assert_eq!(g.view(n, 0).free_milli[..2], [100, 500]);
        assert_eq!(g.assignment(pod(1)).map(|a| a.mask), Some(0b10));
        // Removing pod 1 frees device 1, not the first device with room.
        g.unbind(pod(1));
        assert_eq!(g.view(n, 0).free_milli[..2], [100, 1000]);
        g.unbind(pod(1)); // twice: no-op
        assert_eq!(g.view(n, 0).free_milli[..2], [100, 1000]);
        // Whole GPUs hold complete devices and give them back whole.
        let whole = GpuDemand {
            whole: 1,
            ..GpuDemand::default()
        };
        g.bind(pod(3), n, 0, whole, ff, 0);
        assert_eq!(g.view(n, 0).free_milli[..2], [100, 0]);
        g.unbind(pod(3));
        g.unbind(pod(0));
        g.unbind(pod(2));
        assert_eq!(g.view(n, 0).free_milli[..2], [1000, 1000]);
    }
}

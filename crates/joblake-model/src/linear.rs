//! A linear model over sparse rows, fitted by stochastic gradient descent: the shared engine of
//! the classifier (one output per class) and the salary estimator (one output).
//!
//! L2 regularisation uses Bottou's scaling trick (the weights are `scale × v`, so shrinking
//! every weight is one multiplication), which keeps each step proportional to the row's
//! non-zeros instead of the 2^18 buckets.

/// Weights of `width` outputs over `dim` buckets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Linear {
    pub(crate) width: usize,
    /// Row-major: bucket `j`'s weights are `v[j * width .. (j + 1) * width]`.
    v: Vec<f32>,
    pub(crate) bias: Vec<f32>,
    scale: f32,
}

impl Linear {
    pub(crate) fn new(dim: usize, width: usize) -> Linear {
        Linear {
            width,
            v: vec![0.0; dim * width],
            bias: vec![0.0; width],
            scale: 1.0,
        }
    }

    /// `out[c] = bias[c] + Σ x_j w[j, c]`.
    pub(crate) fn scores(&self, row: &[(u32, f32)], out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        let w = self.width;
        for &(j, x) in row {
            let start = j as usize * w;
            let Some(weights) = self.v.get(start..start + w) else {
                continue;
            };
            let xs = x * self.scale;
            for (o, wc) in out.iter_mut().zip(weights) {
                *o += xs * wc;
            }
        }
    }

    /// One step: `w ← (1 − lr·l2)·w − lr·grad ⊗ x`, `bias ← bias − lr·grad`.
    pub(crate) fn step(&mut self, row: &[(u32, f32)], grad: &[f32], lr: f32, l2: f32) {
        self.scale *= 1.0 - lr * l2;
        if self.scale < 1e-6 {
            self.fold_scale();
        }
        let w = self.width;
        let k = lr / self.scale;
        for &(j, x) in row {
            let start = j as usize * w;
            let Some(weights) = self.v.get_mut(start..start + w) else {
                continue;
            };
            for (wc, g) in weights.iter_mut().zip(grad) {
                *wc -= k * g * x;
            }
        }
        for (b, g) in self.bias.iter_mut().zip(grad) {
            *b -= lr * g;
        }
    }

    fn fold_scale(&mut self) {
        let s = self.scale;
        self.v.iter_mut().for_each(|v| *v *= s);
        self.scale = 1.0;
    }

    /// The non-zero rows `(bucket, weights)`, buckets ascending: what the artefact stores.
    pub(crate) fn sparse_rows(&mut self) -> Vec<(u32, Vec<f32>)> {
        self.fold_scale();
        self.v
            .chunks(self.width)
            .enumerate()
            .filter(|(_, ws)| ws.iter().any(|w| *w != 0.0))
            .map(|(j, ws)| (j as u32, ws.to_vec()))
            .collect()
    }

    /// Rebuilds a model from its stored rows; rows past `dim` are refused by the caller.
    pub(crate) fn from_rows(dim: usize, bias: Vec<f32>, rows: &[(u32, Vec<f32>)]) -> Linear {
        let width = bias.len();
        let mut m = Linear::new(dim, width);
        m.bias = bias;
        for (j, ws) in rows {
            let start = *j as usize * width;
            if let Some(dst) = m.v.get_mut(start..start + width) {
                dst.copy_from_slice(&ws[..width.min(ws.len())]);
            }
        }
        m
    }
}

/// The visiting order of `n` examples in epoch `epoch`: a Fisher-Yates shuffle driven by
/// SplitMix64, written out so that the order (and so the model) never changes with a
/// dependency's version.
pub(crate) fn order(n: usize, seed: u64, epoch: u32) -> Vec<usize> {
    let mut state = seed ^ (u64::from(epoch) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        idx.swap(i, j);
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_rows_round_trip() {
        let mut m = Linear::new(16, 2);
        m.step(&[(3, 1.0), (7, 0.5)], &[1.0, -1.0], 0.1, 0.01);
        let mut out = [0.0; 2];
        m.scores(&[(3, 1.0)], &mut out);
        let rows = m.sparse_rows();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 7]);
        let back = Linear::from_rows(16, m.bias.clone(), &rows);
        let mut again = [0.0; 2];
        back.scores(&[(3, 1.0)], &mut again);
        assert!((out[0] - again[0]).abs() < 1e-6 && (out[1] - again[1]).abs() < 1e-6);
    }

    #[test]
    fn orders_are_permutations_that_depend_on_seed_and_epoch() {
        let a = order(100, 1, 0);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_eq!(a, order(100, 1, 0));
        assert_ne!(a, order(100, 2, 0));
        assert_ne!(a, order(100, 1, 1));
    }

    #[test]
    fn out_of_range_buckets_are_ignored() {
        let mut m = Linear::new(4, 1);
        m.step(&[(9, 1.0)], &[1.0], 0.1, 0.0);
        let mut out = [0.0];
        m.scores(&[(9, 1.0)], &mut out);
        assert_eq!(out[0], m.bias[0]);
    }
}

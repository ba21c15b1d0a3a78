//! `cocokit split`: cut a dataset into train / val / test (any number of parts, any ratios) without copying a
//! record's bytes differently and without leaks between parts.
//!
//! Every image goes to exactly one part with all its annotations; `categories`, `info`, `licenses` and any other
//! top-level key go to every part. Which part an image lands in depends only on the seed and the images' file
//! names (through [`subset::unit_hash`], XXH3-64): not on record order, ids, thread count or machine.
//!
//! - Plain: units (images, or groups with `--group-by`) in hash order fill the parts in turn, a unit going to the
//!   part in whose share of the images its middle image falls. With images as units, part `k` gets the images
//!   ranked in `[N·(r0+…+r(k-1)), N·(r0+…+rk))` (after adding ½), so its size is within one image of `N·rk`.
//! - `--stratify category`: iterative stratification (Sechidis, Tsoumakas & Vlahavas, "On the stratification of
//!   multi-label data", ECML PKDD 2011). Each part `k` wants `rk·n(c)` of the `n(c)` images showing category `c`
//!   and `rk·N` images in all. Repeatedly, the category with the fewest units still unassigned is taken (ties:
//!   smaller category id), and each of its unassigned units, in hash order, goes to the part that still wants
//!   the most images of that category (ties: the part that wants the most images overall, then the first part);
//!   the wants of every category on the unit and the part's total are lowered by what the unit brings. Units
//!   without annotations go last, each to the part wanting the most images. Rare categories are placed first,
//!   so they reach their shares; a category's share in a part is then typically within one image of `rk·n(c)`,
//!   and further off only where images carrying several categories cannot satisfy all of them at once. A last
//!   pass swaps pairs of single images between parts where that brings the categories closer to their shares
//!   (sum of squared distances; bounded work, see `refine`).
//! - `--group-by KEY`: the images sharing a value of KEY (an image key: `video_id`, `sequence`, ...; compared
//!   as the value's JSON text) form one unit, hashed by that text, so a group is never cut. An image without
//!   the key (or with `null`) is an error naming it.
//!
//! Not here: file names and atomic commits (`cmd::split`), the passes over the file (`ops::subset`).

use super::subset::{self, Counts, Units, Wanted, NOWHERE};
use crate::error::{Error, Result};
use crate::io::Input;
use std::io::Write;

/// How sums of ratios may miss 1.
pub const RATIO_SUM_TOLERANCE: f64 = 1e-9;

/// What to split, and how.
#[derive(Debug, Clone, Default)]
pub struct SplitOptions {
    /// One positive ratio per part, summing to 1.
    pub ratios: Vec<f64>,
    pub seed: u64,
    /// Keep each category's share of images in every part (`--stratify category`).
    pub stratify: bool,
    /// Keep the images sharing this image key's value in one part.
    pub group_by: Option<String>,
}

/// What went where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Per part, in the order of the ratios.
    pub parts: Vec<Counts>,
    /// Groups (with `--group-by`).
    pub groups: Option<u64>,
}

/// Ratios must be at least two, each positive and finite, and sum to 1 within [`RATIO_SUM_TOLERANCE`].
pub fn check_ratios(ratios: &[f64]) -> Result<()> {
    if ratios.len() < 2 {
        return Err(Error::msg(
            "--ratios: give at least two ratios, e.g. 0.8,0.2",
        ));
    }
    if ratios.len() >= NOWHERE as usize {
        return Err(Error::msg(format!(
            "--ratios: at most {} parts",
            NOWHERE as usize - 1
        )));
    }
    if let Some(r) = ratios.iter().find(|r| !(r.is_finite() && **r > 0.0)) {
        return Err(Error::msg(format!(
            "--ratios: {r} is not a positive number"
        )));
    }
    let sum: f64 = ratios.iter().sum();
    if (sum - 1.0).abs() > RATIO_SUM_TOLERANCE {
        return Err(Error::msg(format!(
            "--ratios must sum to 1; these sum to {sum}"
        )));
    }
    Ok(())
}

/// Plain assignment: units in order, each to the part whose share of the images holds its middle image.
pub fn assign_plain(units: &Units, ratios: &[f64]) -> Vec<u8> {
    let n = units.images() as f64;
    let mut bounds = Vec::with_capacity(ratios.len());
    let mut acc = 0.0;
    for r in ratios {
        acc += r;
        bounds.push(acc * n);
    }
    let last = ratios.len().saturating_sub(1);
    let mut before = 0u64;
    let mut assign = Vec::with_capacity(units.len);
    for &size in &units.size {
        let mid = before as f64 + size as f64 / 2.0;
        let k = bounds.iter().position(|&b| mid < b).unwrap_or(last);
        assign.push(k as u8);
        before += size as u64;
    }
    assign
}

/// The part wanting the most of `want` (ties: the most images overall, then the first).
fn neediest(want: impl Fn(usize) -> f64, total: &[f64]) -> usize {
    let mut best = 0usize;
    for k in 1..total.len() {
        let (a, b) = (want(k), want(best));
        if a > b || (a == b && total[k] > total[best]) {
            best = k;
        }
    }
    best
}

/// What [`assign_stratified`] has placed so far.
struct Tally {
    assign: Vec<u8>,
    /// Images of category c in part k, at k * categories + c.
    have: Vec<u64>,
    /// Units of each category not yet placed.
    rem: Vec<u32>,
    /// Images of each category in the units not yet placed.
    left: Vec<u64>,
    /// Images each part still wants.
    total: Vec<f64>,
}

/// Iterative stratification by category (see the module doc).
pub fn assign_stratified(units: &Units, ratios: &[f64]) -> Vec<u8> {
    let parts = ratios.len();
    let n_cats = units.cat_ids.len();
    let of_cat = units.units_of_categories();
    // Units of each category not yet placed, and their images showing it.
    let rem: Vec<u32> = of_cat.iter().map(|v| v.len() as u32).collect();
    let mut left = vec![0u64; n_cats];
    for u in 0..units.len {
        for &(c, n) in units.cats_of(u) {
            left[c as usize] += n as u64;
        }
    }
    // Per part k and category c (at k * n_cats + c): its share rk·n(c), the least and most images that keep
    // it within one image of that share, and the images it has.
    let mut share: Vec<f64> = Vec::with_capacity(parts * n_cats);
    for r in ratios {
        share.extend(left.iter().map(|&n| r * n as f64));
    }
    // (The tolerance keeps 0.7 · 10 = 7.000000000000001 from allowing 8.)
    let lo: Vec<u64> = share.iter().map(|s| (s + 1e-9).floor() as u64).collect();
    let hi: Vec<u64> = share.iter().map(|s| (s - 1e-9).ceil() as u64).collect();
    let images = units.images() as f64;
    let total: Vec<f64> = ratios.iter().map(|r| r * images).collect();
    let place = |u: usize, k: usize, t: &mut Tally| {
        t.assign[u] = k as u8;
        for &(c, n) in units.cats_of(u) {
            let c = c as usize;
            t.have[k * n_cats + c] += n as u64;
            t.rem[c] -= 1;
            t.left[c] -= n as u64;
        }
        t.total[k] -= units.size[u] as f64;
    };
    let mut t = Tally {
        assign: vec![NOWHERE; units.len],
        have: vec![0u64; parts * n_cats],
        rem,
        left,
        total,
    };
    while let Some(c) = (0..n_cats)
        .filter(|&c| t.rem[c] > 0)
        .min_by_key(|&c| (t.rem[c], units.cat_ids[c]))
    {
        for &u in &of_cat[c] {
            let u = u as usize;
            if t.assign[u] != NOWHERE {
                continue;
            }
            let n = units
                .cats_of(u)
                .iter()
                .find(|x| x.0 as usize == c)
                .map_or(0, |x| x.1 as u64);
            let at = |k: usize| k * n_cats + c;
            // Images the parts still need to reach their least count, and what is left to give them.
            let short: u64 = (0..parts)
                .map(|k| lo[at(k)].saturating_sub(t.have[at(k)]))
                .sum();
            let fits = |k: usize| {
                let short_after = short - lo[at(k)].saturating_sub(t.have[at(k)]).min(n);
                t.have[at(k)] + n <= hi[at(k)] && short_after + n <= t.left[c]
            };
            // Among the parts that keep this category within one image of every share, the one wanting the
            // most images overall; if none can (images placed for rarer categories took the room), the part
            // furthest below its share of this category.
            let k = match (0..parts).filter(|&k| fits(k)).reduce(|b, k| {
                if t.total[k] > t.total[b] {
                    k
                } else {
                    b
                }
            }) {
                Some(k) => k,
                None => neediest(|k| share[at(k)] - t.have[at(k)] as f64, &t.total),
            };
            place(u, k, &mut t);
        }
    }
    for u in 0..units.len {
        if t.assign[u] == NOWHERE {
            let k = neediest(|k| t.total[k], &t.total);
            place(u, k, &mut t);
        }
    }
    refine(units, &of_cat, &share, &mut t.have, &mut t.assign);
    t.assign
}

/// Rounds of [`refine`], and how many units of each side it tries per pair of parts.
const REFINE_ROUNDS: usize = 4;
const REFINE_FROM: usize = 16;
const REFINE_TO: usize = 256;

/// After the greedy pass, swaps of two single images between two parts (sizes unchanged) that bring the
/// categories closer to their shares: for each category c (in id order) and parts a, b where a is over its
/// share of c by more than b is (a − b > 1 image), an image of a showing c is swapped with an image of b not
/// showing it when that lowers the sum over parts and categories of the squared distance to the share; the
/// first such pair in rank order is taken (up to [`REFINE_FROM`] × [`REFINE_TO`] pairs looked at), for
/// [`REFINE_ROUNDS`] rounds. Groups (units of several images) are not swapped.
fn refine(units: &Units, of_cat: &[Vec<u32>], share: &[f64], have: &mut [u64], assign: &mut [u8]) {
    if units.size.iter().any(|&s| s != 1) {
        return;
    }
    let n_cats = of_cat.len();
    let parts = share.len() / n_cats.max(1);
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); parts];
    let mut pos = vec![0u32; units.len];
    for (u, &k) in assign.iter().enumerate() {
        if let Some(m) = members.get_mut(k as usize) {
            pos[u] = m.len() as u32;
            m.push(u as u32);
        }
    }
    let dev = |have: &[u64], i: usize| have[i] as f64 - share[i];
    // The change of the squared distances if u moves a → b and v moves b → a.
    let gain = |have: &[u64], u: usize, v: usize, a: usize, b: usize| -> f64 {
        let mut d = 0.0;
        let (cu, cv) = (units.cats_of(u), units.cats_of(v));
        for &(x, _) in cu {
            if cv.iter().any(|y| y.0 == x) {
                continue;
            }
            let (ia, ib) = (a * n_cats + x as usize, b * n_cats + x as usize);
            let (da, db) = (dev(have, ia), dev(have, ib));
            d += (da - 1.0).powi(2) - da * da + (db + 1.0).powi(2) - db * db;
        }
        for &(x, _) in cv {
            if cu.iter().any(|y| y.0 == x) {
                continue;
            }
            let (ia, ib) = (a * n_cats + x as usize, b * n_cats + x as usize);
            let (da, db) = (dev(have, ia), dev(have, ib));
            d += (da + 1.0).powi(2) - da * da + (db - 1.0).powi(2) - db * db;
        }
        d
    };
    for _ in 0..REFINE_ROUNDS {
        let mut swapped = false;
        for (c, of_c) in of_cat.iter().enumerate() {
            for a in 0..parts {
                for b in 0..parts {
                    while a != b
                        && dev(have, a * n_cats + c) - dev(have, b * n_cats + c) > 1.0 + 1e-9
                    {
                        let shows_c = |v: usize| units.cats_of(v).iter().any(|y| y.0 as usize == c);
                        let found = of_c
                            .iter()
                            .map(|&u| u as usize)
                            .filter(|&u| assign[u] as usize == a)
                            .take(REFINE_FROM)
                            .find_map(|u| {
                                members[b]
                                    .iter()
                                    .map(|&v| v as usize)
                                    .filter(|&v| !shows_c(v))
                                    .take(REFINE_TO)
                                    .find(|&v| gain(have, u, v, a, b) < -1e-9)
                                    .map(|v| (u, v))
                            });
                        let Some((u, v)) = found else { break };
                        for &(x, _) in units.cats_of(u) {
                            have[a * n_cats + x as usize] -= 1;
                            have[b * n_cats + x as usize] += 1;
                        }
                        for &(x, _) in units.cats_of(v) {
                            have[b * n_cats + x as usize] -= 1;
                            have[a * n_cats + x as usize] += 1;
                        }
                        assign[u] = b as u8;
                        assign[v] = a as u8;
                        let (pu, pv) = (pos[u] as usize, pos[v] as usize);
                        members[a][pu] = v as u32;
                        members[b][pv] = u as u32;
                        pos[u] = pv as u32;
                        pos[v] = pu as u32;
                        swapped = true;
                    }
                }
            }
        }
        if !swapped {
            break;
        }
    }
}

/// Split `input` into `outs` (one writer per ratio, in order). `progress` gets a position out of twice the
/// input's length (two passes).
pub fn split(
    input: &Input,
    opts: &SplitOptions,
    outs: &mut [&mut dyn Write],
    progress: &dyn Fn(u64),
) -> Result<Report> {
    check_ratios(&opts.ratios)?;
    if outs.len() != opts.ratios.len() {
        return Err(Error::msg("internal error: one output per ratio"));
    }
    let want = Wanted {
        seed: opts.seed,
        group_by: opts.group_by.clone(),
        categories: opts.stratify,
    };
    let units = subset::gather(input, &want, progress)?;
    let assign = if opts.stratify {
        assign_stratified(&units, &opts.ratios)
    } else {
        assign_plain(&units, &opts.ratios)
    };
    let len = input.bytes().len() as u64;
    let parts = subset::write(input, &units, &assign, outs, &|p| progress(len + p))?;
    Ok(Report {
        parts,
        groups: opts.group_by.as_ref().map(|_| units.len as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(images: usize, cats: impl Fn(usize) -> Vec<i64>) -> String {
        let imgs: Vec<String> = (0..images)
            .map(|i| format!("{{\"id\": {i}, \"file_name\": \"{i:06}.jpg\"}}"))
            .collect();
        let mut anns = Vec::new();
        for i in 0..images {
            for c in cats(i) {
                anns.push(format!(
                    "{{\"id\": {}, \"image_id\": {i}, \"category_id\": {c}}}",
                    anns.len() + 1
                ));
            }
        }
        format!(
            "{{\"images\": [{}], \"annotations\": [{}], \"categories\": [{{\"id\": 1, \"name\": \"a\"}}]}}",
            imgs.join(", "),
            anns.join(", ")
        )
    }

    #[test]
    fn ratios_are_checked() {
        assert!(check_ratios(&[0.8, 0.1, 0.1]).is_ok());
        assert!(check_ratios(&[0.7, 0.3 + 1e-12]).is_ok());
        for bad in [
            &[1.0][..],
            &[0.8, 0.3],
            &[0.5, 0.5, 0.0],
            &[1.2, -0.2],
            &[f64::NAN, 1.0],
        ] {
            assert!(check_ratios(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn plain_sizes_are_within_one_image() {
        let ds = dataset(101, |_| vec![]);
        let input = Input::from_bytes("t", ds.into_bytes());
        let units = subset::gather(&input, &Wanted::default(), &|_| {}).unwrap();
        let a = assign_plain(&units, &[0.8, 0.1, 0.1]);
        let n: Vec<usize> = (0..3u8)
            .map(|k| a.iter().filter(|&&x| x == k).count())
            .collect();
        assert_eq!(n.iter().sum::<usize>(), 101);
        for (k, r) in [0.8, 0.1, 0.1].iter().enumerate() {
            assert!((n[k] as f64 - r * 101.0).abs() <= 1.0, "{n:?}");
        }
    }

    #[test]
    fn stratified_shares_are_within_one_image() {
        // Category 1 on every 3rd image, 2 on every 7th, 3 on every 2nd, 4 on 5 images only.
        let ds = dataset(300, |i| {
            let mut v = Vec::new();
            if i % 3 == 0 {
                v.push(1);
            }
            if i % 7 == 0 {
                v.push(2);
            }
            if i % 2 == 0 {
                v.push(3);
            }
            if i < 5 {
                v.push(4);
            }
            v
        });
        let input = Input::from_bytes("t", ds.into_bytes());
        let want = Wanted {
            seed: 9,
            categories: true,
            ..Wanted::default()
        };
        let units = subset::gather(&input, &want, &|_| {}).unwrap();
        let ratios = [0.6, 0.2, 0.2];
        let a = assign_stratified(&units, &ratios);
        for c in 0..units.cat_ids.len() as u32 {
            let n: f64 = (0..units.len)
                .filter(|&u| units.cats_of(u).iter().any(|x| x.0 == c))
                .count() as f64;
            for (k, r) in ratios.iter().enumerate() {
                let got = (0..units.len)
                    .filter(|&u| a[u] == k as u8 && units.cats_of(u).iter().any(|x| x.0 == c))
                    .count() as f64;
                assert!(
                    (got - r * n).abs() <= 1.0,
                    "category {c} part {k}: {got} of {n}"
                );
            }
        }
    }
}

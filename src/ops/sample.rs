//! `cocokit sample`: a deterministic subset of a dataset's images, each with all its annotations; `categories`,
//! `info`, `licenses` and every other top-level key kept; records written as their input bytes.
//!
//! Images are ranked by [`subset::unit_hash`] of their `file_name` with the seed (XXH3-64; equal hashes — a
//! repeated file name — by image id), so the sample depends only on the seed and the file names, and the
//! sample of `N` images is the first `N` of that ranking: a larger sample with the same seed contains a
//! smaller one.
//!
//! `--per-category K`: first, categories from the rarest (fewest images; ties: smaller id) to the most common,
//! each category's images are taken in rank order until the sample holds K images showing it (or all of them, if
//! the dataset has fewer); images taken for one category count for every category on them. Then the sample is
//! filled to the total in rank order. When the quotas alone need more images than the total, that is an error
//! naming both numbers.
//!
//! Not here: the passes over the file (`ops::subset`), the output file (`cmd::sample`).

use super::subset::{self, Counts, Units, Wanted, NOWHERE};
use crate::error::{Error, Result};
use crate::io::Input;
use std::io::Write;

/// How many images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    /// Exactly this many.
    Images(u64),
    /// This share of the images (in (0, 1]), rounded to the nearest count.
    Fraction(f64),
}

/// What to sample.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    pub size: Size,
    pub seed: u64,
    /// At least this many images of each category, where the dataset has them.
    pub per_category: Option<u64>,
}

/// What was kept, out of how many images.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub kept: Counts,
    pub of_images: u64,
}

/// The number of images `size` asks for out of `images`.
pub fn target(size: Size, images: u64) -> Result<u64> {
    match size {
        Size::Images(n) if n > images => Err(Error::msg(format!(
            "--images {n}: the dataset has only {images} images"
        ))),
        Size::Images(n) => Ok(n),
        Size::Fraction(f) if !(f > 0.0 && f <= 1.0) => Err(Error::msg(format!(
            "--fraction {f}: give a number in (0, 1]"
        ))),
        Size::Fraction(f) => Ok(((f * images as f64).round() as u64).min(images)),
    }
}

/// Choose `n` of the units (images): 0 = in the sample, [`NOWHERE`] = left out.
pub fn choose(units: &Units, n: u64, per_category: Option<u64>) -> Result<Vec<u8>> {
    let mut assign = vec![NOWHERE; units.len];
    let mut taken = 0u64;
    if let Some(k) = per_category {
        let of_cat = units.units_of_categories();
        let mut have = vec![0u64; of_cat.len()];
        let mut order: Vec<usize> = (0..of_cat.len()).collect();
        order.sort_by_key(|&c| (of_cat[c].len(), units.cat_ids[c]));
        for c in order {
            for &u in &of_cat[c] {
                if have[c] >= k {
                    break;
                }
                let u = u as usize;
                if assign[u] != NOWHERE {
                    continue;
                }
                assign[u] = 0;
                taken += units.size[u] as u64;
                for &(c2, m) in units.cats_of(u) {
                    have[c2 as usize] += m as u64;
                }
            }
        }
        if taken > n {
            return Err(Error::msg(format!(
                "--per-category {k} needs {taken} images, more than the {n} asked for"
            )));
        }
    }
    for (a, &size) in assign.iter_mut().zip(&units.size) {
        if taken >= n {
            break;
        }
        if *a == NOWHERE {
            *a = 0;
            taken += size as u64;
        }
    }
    Ok(assign)
}

/// Sample `input` into `out`. `progress` gets a position out of twice the input's length (two passes).
pub fn sample(
    input: &Input,
    opts: &SampleOptions,
    out: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<Report> {
    // Checked before reading, so that a bad fraction is reported at once.
    if let Size::Fraction(_) = opts.size {
        target(opts.size, 1)?;
    }
    let want = Wanted {
        seed: opts.seed,
        group_by: None,
        categories: opts.per_category.is_some(),
    };
    let units = subset::gather(input, &want, progress)?;
    let n = target(opts.size, units.images())?;
    let assign = choose(&units, n, opts.per_category)?;
    let len = input.bytes().len() as u64;
    let mut counts = subset::write(input, &units, &assign, &mut [out], &|p| progress(len + p))?;
    Ok(Report {
        kept: counts.pop().unwrap_or_default(),
        of_images: units.images(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(target(Size::Images(3), 10).unwrap(), 3);
        assert!(target(Size::Images(11), 10).is_err());
        assert_eq!(target(Size::Fraction(0.25), 10).unwrap(), 3);
        assert_eq!(target(Size::Fraction(1.0), 10).unwrap(), 10);
        for f in [0.0, -0.5, 1.5, f64::NAN] {
            assert!(target(Size::Fraction(f), 10).is_err(), "{f}");
        }
    }

    const DS: &str = r#"{"images": [{"id": 1, "file_name": "a"}, {"id": 2, "file_name": "b"},
        {"id": 3, "file_name": "c"}, {"id": 4, "file_name": "d"}, {"id": 5, "file_name": "e"}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 1}, {"id": 2, "image_id": 2, "category_id": 1},
        {"id": 3, "image_id": 3, "category_id": 1}, {"id": 4, "image_id": 4, "category_id": 1},
        {"id": 5, "image_id": 5, "category_id": 2}],
      "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}"#;

    #[test]
    fn per_category_quota_comes_first() {
        let input = Input::from_bytes("t", DS.as_bytes().to_vec());
        for seed in 0..20 {
            let want = Wanted {
                seed,
                categories: true,
                group_by: None,
            };
            let units = subset::gather(&input, &want, &|_| {}).unwrap();
            // Category 2 is on one image only: with a quota of 1 it is always in a sample of 2.
            let a = choose(&units, 2, Some(1)).unwrap();
            assert_eq!(a.iter().filter(|&&x| x == 0).count(), 2);
            let with_2 = (0..units.len).find(|&u| {
                units
                    .cats_of(u)
                    .iter()
                    .any(|&(c, _)| units.cat_ids[c as usize] == 2)
            });
            assert_eq!(a[with_2.unwrap()], 0, "seed {seed}");
            // A smaller sample is the start of a larger one (no quota).
            let small = choose(&units, 2, None).unwrap();
            let large = choose(&units, 4, None).unwrap();
            assert!((0..units.len).all(|u| small[u] == NOWHERE || large[u] == 0));
            assert!(choose(&units, 1, Some(2)).is_err());
        }
    }
}

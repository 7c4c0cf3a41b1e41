//! "Did you mean ...?": the closest column name to a name that was not found.

/// The existing name closest to `wanted`, if one is close enough to be a likely typo.
///
/// In order of preference: a case-insensitive match; a match ignoring case, spaces and
/// punctuation (`weight_g` for `Weight (g)`); the name with the smallest edit distance
/// (case-insensitive, a swap of neighbours counting 1) if that distance is at most a third of the name's length (at least 1).
pub fn closest_name(wanted: &str, names: &[String]) -> Option<String> {
    let lower = wanted.to_lowercase();
    if let Some(n) = names.iter().find(|n| n.to_lowercase() == lower) {
        return Some(n.clone());
    }
    let squashed = squash(wanted);
    if !squashed.is_empty()
        && let Some(n) = names.iter().find(|n| squash(n) == squashed)
    {
        return Some(n.clone());
    }
    let limit = (wanted.chars().count() / 3).max(1);
    names
        .iter()
        .map(|n| (edit_distance(&lower, &n.to_lowercase()), n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.clone())
}

/// Lower-case letters and digits only.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edit distance over chars counting insertions, deletions, substitutions and swaps of two
/// adjacent characters (optimal string alignment), so the typo `nmae` is 1 away from `name`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j]; three rows suffice.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut d = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn edit_distance_known_values() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        assert_eq!(edit_distance("nmae", "name"), 1);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }

    #[test]
    fn suggestions() {
        let cols = names(&["Weight (g)", "surface", "volume", "Melt temperature"]);
        assert_eq!(
            closest_name("weight (g)", &cols).as_deref(),
            Some("Weight (g)")
        );
        assert_eq!(
            closest_name("weight_g", &cols).as_deref(),
            Some("Weight (g)")
        );
        assert_eq!(closest_name("surfce", &cols).as_deref(), Some("surface"));
        assert_eq!(closest_name("melt temp", &cols), None);
        assert_eq!(closest_name("pressure", &cols), None);
    }
}

//! Training history of a classifier: loss and accuracy per epoch, train and validation, as two
//! line charts side by side.

use crate::figure::Figure;
use crate::line::{Series, line_chart};
use crate::scene::Prim;
use crate::{PlotError, check};

/// Loss (left) and accuracy (right) per epoch. `train_loss` and `train_accuracy` have one value
/// per epoch (epochs are numbered from 1); `val_loss` and `val_accuracy`, when given, too.
pub fn training_history(
    train_loss: &[f64],
    train_accuracy: &[f64],
    val_loss: Option<&[f64]>,
    val_accuracy: Option<&[f64]>,
    title: &str,
) -> Result<Figure, PlotError> {
    const P: &str = "training history";
    let n = train_loss.len();
    if n == 0 {
        return Err(PlotError::input(P, "no epochs to draw"));
    }
    check::same_len(
        P,
        ("train loss", n),
        ("train accuracy", train_accuracy.len()),
    )?;
    for (name, v) in [
        ("validation loss", val_loss),
        ("validation accuracy", val_accuracy),
    ] {
        if let Some(v) = v {
            check::same_len(P, ("train loss", n), (name, v.len()))?;
        }
    }
    let epochs: Vec<f64> = (1..=n).map(|e| e as f64).collect();
    let series = |train: &[f64], val: Option<&[f64]>| {
        let mut s = vec![Series::new("train", epochs.clone(), train.to_vec())];
        if let Some(v) = val {
            s.push(Series::new("validation", epochs.clone(), v.to_vec()));
        }
        s
    };
    let loss = line_chart(
        &series(train_loss, val_loss),
        &format!("{title} — loss"),
        "Epoch",
        "Cross-entropy loss",
        false,
    )?;
    let acc = line_chart(
        &series(train_accuracy, val_accuracy),
        &format!("{title} — accuracy"),
        "Epoch",
        "Accuracy",
        false,
    )?;
    let (w1, h1) = loss.size();
    let (w2, h2) = acc.size();
    let mut s = loss.scene().clone();
    s.prims
        .extend(acc.scene().prims.iter().map(|p| shifted(p, w1 as f64, 0.0)));
    Ok(Figure::new(title, (w1 + w2) as f64, h1.max(h2) as f64, s))
}

/// `p` moved by (dx, dy).
fn shifted(p: &Prim, dx: f64, dy: f64) -> Prim {
    let m = |q: (f64, f64)| (q.0 + dx, q.1 + dy);
    let mut p = p.clone();
    match &mut p {
        Prim::Line { from, to, .. } => {
            *from = m(*from);
            *to = m(*to);
        }
        Prim::Path { points, .. } | Prim::Polygon { points, .. } => {
            points.iter_mut().for_each(|q| *q = m(*q));
        }
        Prim::Rect { x0, y0, x1, y1, .. } | Prim::Image { x0, y0, x1, y1, .. } => {
            *x0 += dx;
            *x1 += dx;
            *y0 += dy;
            *y1 += dy;
        }
        Prim::Circle { center, .. } => *center = m(*center),
        Prim::Text { pos, .. } => *pos = m(*pos),
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_charts_side_by_side() {
        let f = training_history(
            &[1.0, 0.5, 0.3],
            &[0.4, 0.7, 0.9],
            Some(&[1.1, 0.6, 0.4]),
            Some(&[0.3, 0.6, 0.85]),
            "gap-cnn",
        )
        .unwrap();
        assert_eq!(f.size(), (1800, 600));
        let texts: Vec<&str> = f
            .scene()
            .prims
            .iter()
            .filter_map(|p| match p {
                Prim::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert!(texts.contains(&"gap-cnn — loss") && texts.contains(&"gap-cnn — accuracy"));
        assert!(texts.iter().filter(|t| **t == "validation").count() == 2);
        assert!(training_history(&[1.0], &[0.5, 0.6], None, None, "t").is_err());
        assert!(training_history(&[1.0], &[0.5], Some(&[]), None, "t").is_err());
        assert!(training_history(&[], &[], None, None, "t").is_err());
    }
}

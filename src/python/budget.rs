//! Limits that keep static evaluation finite on any input. The evaluator recurses once per
//! nesting level and copies values, so without them a hostile revision (a literal nested
//! 10,000 deep, `s = s + s` in a loop, `"x" * 10**5 * 10**5`) overflows the stack or
//! exhausts memory, taking every other file of the run down with it. Exceeding a limit
//! is an error message naming it, which the renderer reports as an unrenderable statement.

use super::value::Value;

/// Expression and value nesting followed. CPython itself refuses more than 200 nested
/// parentheses, so real migrations stay far below.
pub const MAX_DEPTH: usize = 200;
/// The longest string an operation may build (a migration's SQL is far shorter).
pub const MAX_STR_BYTES: usize = 1 << 20;
/// Bytes of values one file's evaluation may produce in total: every evaluated value is
/// charged, so this bounds both memory and the time spent copying.
pub const MAX_WORK_BYTES: usize = 64 << 20;

/// What evaluation has used so far; the [`super::Env`] owns one per file.
#[derive(Debug, Default)]
pub struct Budget {
    depth: usize,
    work: usize,
}

impl Budget {
    /// Enters one more level of expression nesting.
    pub(crate) fn enter(&mut self) -> Result<(), String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "expression nested deeper than the evaluator's limit of {MAX_DEPTH} levels"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Charges a value just evaluated against the file's work budget.
    pub(crate) fn charge(&mut self, value: &Value) -> Result<(), String> {
        let size = size(value, 0).ok_or_else(|| {
            format!("value nested deeper than the evaluator's limit of {MAX_DEPTH} levels")
        })?;
        self.work = self.work.saturating_add(size);
        self.check()
    }

    /// Fails once the file's work budget is spent, so that a caller running statements
    /// in a loop can stop early.
    pub fn check(&self) -> Result<(), String> {
        if self.work > MAX_WORK_BYTES {
            return Err(format!(
                "too much work to render statically (more than the {} MiB of values a file may build)",
                MAX_WORK_BYTES >> 20
            ));
        }
        Ok(())
    }
}

/// Refuses a string of `len` bytes before it is built.
pub(crate) fn check_str_len(len: Option<usize>) -> Result<(), String> {
    match len {
        Some(len) if len <= MAX_STR_BYTES => Ok(()),
        _ => Err(format!(
            "string longer than the {} MiB a static value may hold",
            MAX_STR_BYTES >> 20
        )),
    }
}

/// Approximate bytes a value holds; `None` when it nests deeper than [`MAX_DEPTH`] (so
/// that walking, cloning and dropping it stay shallow).
fn size(value: &Value, depth: usize) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let all = |items: &mut dyn Iterator<Item = &Value>| -> Option<usize> {
        let mut sum = 0usize;
        for item in items {
            sum = sum.saturating_add(size(item, depth + 1)?);
        }
        Some(sum)
    };
    let inner = match value {
        Value::Str(s) | Value::Path(s) | Value::Function(s) | Value::Runtime(s) => s.len(),
        Value::List(items) | Value::Tuple(items) => all(&mut items.iter())?,
        Value::Dict(pairs) => all(&mut pairs.iter().flat_map(|(k, v)| [k, v]))?,
        Value::Object(object) => {
            object.path.len()
                + all(&mut object
                    .args
                    .iter()
                    .chain(object.kwargs.iter().map(|(_, v)| v)))?
        }
        Value::Method(receiver, name) => name.len() + size(receiver, depth + 1)?,
        Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => 0,
    };
    Some(std::mem::size_of::<Value>() + inner)
}

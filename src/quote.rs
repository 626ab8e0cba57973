//! Quoting a bad value in an error message: at most a short prefix, so a 1 MiB argument gives a
//! one-line error. Shared by the core (search, content, decision tools) and every adapter.

/// How much of a bad value an error message quotes.
pub const QUOTE_CHARS: usize = 48;

/// At most [`QUOTE_CHARS`] characters of `text`, with an ellipsis and the full length when cut.
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], text.len()),
    }
}

/// Shorten every `` `…` `` span of a serde message to [`QUOTE_CHARS`] characters: serde quotes the
/// whole bad value ("unknown variant `…1 MiB…`, expected one of …") and the tail is what a model needs.
pub fn shorten_quotes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(open) = rest.find('`') {
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        match after.find('`') {
            Some(close) => {
                out.push_str(&quote(&after[..close]));
                out.push('`');
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&quote(after));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    // A message with no quotes can still be long (an error about a long line): cap it as a whole.
    if out.len() > 1024 {
        let cut = (0..=1024)
            .rev()
            .find(|i| out.is_char_boundary(*i))
            .unwrap_or(0);
        out.truncate(cut);
        out.push('…');
    }
    out
}

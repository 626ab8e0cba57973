//! Parsing one statement at a time: the splitter's pieces are tokenized (refusing expressions too deep
//! to parse safely), parsed alone in the caller's dialect, rescued where a keyword sqlparser lacks can
//! be dropped without changing what the catalog needs (`CREATE INDEX ... ON ONLY`, `DROP INDEX
//! CONCURRENTLY`), and otherwise recognised from their leading tokens (sequences owned by a column,
//! partitions attached or detached, REINDEX, CLUSTER, ALTER DOMAIN). What still does not parse is listed.

use super::*;
use sqlparser::keywords::Keyword;

/// Most tokens one expression may chain (summed over its nesting path) before the statement is refused:
/// keeps parsing, dropping and walking the syntax tree far from the stack limit.
pub const MAX_CHAIN_TOKENS: usize = 5_000;
/// Deepest expression nesting accepted before parsing: brackets, `CASE ... END` and prefix `NOT`s
/// together. sqlparser stops at 50 recursion levels (about 46 of these, measured) and, inside a `CASE`
/// or `NOT`, reports the stop as an unrelated syntax error ("Expected: end of statement, found: a"),
/// so deeper input is refused here, with its real reason, and a margin for what a level costs.
pub const MAX_NESTING: usize = 40;
/// Leading tokens kept for recognition.
const HEAD_TOKENS: usize = 48;

/// Which input a statement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `schema`: the live database, with data. Its statements describe; they are not reviewed as a change.
    Schema,
    /// `migration` or `ddl`: the change under review.
    Script,
}

/// A leading token, simplified for recognition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A word: keyword or identifier (`quoted` when it was a quoted identifier).
    Word { value: String, quoted: bool },
    /// `.`
    Dot,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// Anything else.
    Other,
}

impl Tok {
    pub fn is(&self, kw: &str) -> bool {
        matches!(self, Tok::Word { value, quoted: false } if value.eq_ignore_ascii_case(kw))
    }
}

/// What the catalog and the rules need from a statement sqlparser does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recognised {
    /// `CREATE SEQUENCE s ... OWNED BY t.c` or `ALTER SEQUENCE s OWNED BY t.c`: `c` is fed by a sequence.
    SequenceOwnedBy { table: ObjectName, column: Ident },
    /// `CREATE SEQUENCE` / `ALTER SEQUENCE` without ownership: nothing for the catalog.
    Sequence,
    /// `ALTER TABLE t ALTER [COLUMN] c ADD GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY (SEQUENCE NAME ...)`,
    /// pg_dump's form of an identity column (sqlparser lacks `SEQUENCE NAME`).
    IdentityAdded {
        table: ObjectName,
        column: Ident,
        always: bool,
    },
    /// `ALTER TABLE parent ATTACH PARTITION child ...`.
    AttachPartition {
        parent: ObjectName,
        child: ObjectName,
    },
    /// `ALTER TABLE parent DETACH PARTITION child [CONCURRENTLY | FINALIZE]`.
    DetachPartition {
        parent: ObjectName,
        child: ObjectName,
        concurrently: bool,
    },
    /// `REINDEX [(...)] {INDEX|TABLE|SCHEMA|DATABASE|SYSTEM} [CONCURRENTLY] name`.
    Reindex {
        kind: String,
        name: Option<ObjectName>,
        concurrently: bool,
    },
    /// `CLUSTER [table [USING index]]`.
    Cluster { table: Option<ObjectName> },
    /// `ALTER DOMAIN d ADD CONSTRAINT ... [NOT VALID]`.
    DomainConstraint { domain: ObjectName, not_valid: bool },
    /// `ALTER INDEX parent_idx ATTACH PARTITION child_idx`.
    AttachIndex,
    /// A CREATE TABLE whose body does not parse: the table exists (and is new), its columns unknown.
    CreateTable { name: ObjectName },
}

/// One statement of the input, parsed or recognised.
#[derive(Debug)]
pub struct Stmt {
    pub phase: Phase,
    /// 1-based line in its input.
    pub line: u32,
    /// The syntax tree, when sqlparser parsed it (after a rescue, when one applied).
    pub ast: Option<Statement>,
    /// What was recognised when it did not parse.
    pub recognised: Option<Recognised>,
    /// `DROP INDEX CONCURRENTLY`, parsed after dropping the keyword.
    pub concurrently: bool,
    /// `CREATE INDEX ... ON ONLY parent`, parsed after dropping the keyword.
    pub on_only: bool,
    /// Leading tokens.
    pub head: Vec<Tok>,
    /// Rule ids silenced by an inline comment.
    pub ignore: Vec<String>,
}

/// A statement that was not reviewed: where it is, how it starts, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Unparsed {
    /// `schema`, `migration` or `ddl`.
    pub input: String,
    /// 1-based line of the statement in that input.
    pub line: u32,
    /// Its first words.
    pub starts: String,
    /// The parser's message, shortened.
    pub error: String,
}

/// Splits, tokenizes and parses one input, collecting its statements (the tests' entry point; the
/// review streams through [`parse_pieces`] instead).
#[cfg(test)]
pub fn parse_input(
    dialect: SqlDialect,
    sql: &str,
    phase: Phase,
    input: &str,
    budget: &mut Budget,
    out: &mut Vec<Stmt>,
    unparsed: &mut Vec<Unparsed>,
) -> Result<(), DecideError> {
    let pieces = split::split(sql, dialect);
    parse_pieces(
        dialect,
        &pieces,
        phase,
        input,
        budget,
        unparsed,
        &mut |st, _| {
            out.push(st);
            Ok(())
        },
    )
}

/// Tokenizes and parses the splitter's pieces of one input, handing each statement to `emit` as soon
/// as it is parsed, so that no more than one syntax tree is alive at a time: a parsed statement is
/// kilobytes (`Statement` alone is 3.4 KB inline), several times the text it came from.
pub fn parse_pieces(
    dialect: SqlDialect,
    pieces: &[split::Piece<'_>],
    phase: Phase,
    input: &str,
    budget: &mut Budget,
    unparsed: &mut Vec<Unparsed>,
    emit: &mut dyn FnMut(Stmt, &mut Budget) -> Result<(), DecideError>,
) -> Result<(), DecideError> {
    let d = dialect.parser_dialect();
    for piece in pieces {
        if piece.client_command {
            continue;
        }
        budget.charge(piece.text.len())?;
        let fail = |unparsed: &mut Vec<Unparsed>, head: &[Tok], msg: String| {
            let starts = if head.is_empty() {
                raw_words(piece.text, 4)
            } else {
                head_words(head, 4)
            };
            unparsed.push(Unparsed {
                input: input.to_string(),
                line: piece.line,
                starts,
                error: shorten(&msg),
            });
        };
        let tokens = match Tokenizer::new(&*d, piece.text).tokenize_with_location() {
            Ok(t) => t,
            Err(e) => {
                fail(unparsed, &[], e.to_string());
                continue;
            }
        };
        let head = head_tokens(&tokens);
        if let Err(msg) = check_complexity(&tokens) {
            fail(unparsed, &head, msg);
            continue;
        }
        let mut stmt = Stmt {
            phase,
            line: piece.line,
            ast: None,
            recognised: None,
            concurrently: false,
            on_only: false,
            head,
            ignore: piece.ignore.clone(),
        };
        // The parser takes the tokens already made (tokenizing again was a fifth of the review's time);
        // the rare statement that fails is tokenized again for the rescue.
        match parse_tokens(&*d, tokens) {
            Ok(mut v) => {
                if v.len() == 1 {
                    stmt.ast = v.pop();
                    emit(stmt, budget)?;
                } else {
                    // Rare: the parser saw several statements in one piece (a dialect quirk); keep them all.
                    for a in v {
                        emit(
                            Stmt {
                                phase,
                                line: piece.line,
                                ast: Some(a),
                                recognised: None,
                                concurrently: false,
                                on_only: false,
                                head: stmt.head.clone(),
                                ignore: piece.ignore.clone(),
                            },
                            budget,
                        )?;
                    }
                }
            }
            Err(err) => {
                let rescued = Tokenizer::new(&*d, piece.text)
                    .tokenize_with_location()
                    .ok()
                    .and_then(|tokens| rescue(&*d, &tokens, &stmt.head));
                if let Some((ast, concurrently, on_only)) = rescued {
                    stmt.ast = Some(ast);
                    stmt.concurrently = concurrently;
                    stmt.on_only = on_only;
                    emit(stmt, budget)?;
                } else if let Some(r) = recognise(&stmt.head) {
                    stmt.recognised = Some(r);
                    emit(stmt, budget)?;
                } else {
                    fail(unparsed, &stmt.head, err);
                    if created_object(&stmt.head).is_some() {
                        // Unreviewed, but the view or sequence it creates is known to be new.
                        stmt.recognised = Some(Recognised::Sequence);
                        emit(stmt, budget)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn parse_error(e: ParserError) -> String {
    match e {
        ParserError::TokenizerError(s) | ParserError::ParserError(s) => s,
        ParserError::RecursionLimitExceeded => {
            "nesting exceeds the parser's recursion limit (50 levels)".to_string()
        }
    }
}

/// Parses tokens already made: what [`Parser::parse_sql`] does after tokenizing.
fn parse_tokens(d: &dyn Dialect, tokens: Vec<TokenWithSpan>) -> Result<Vec<Statement>, String> {
    Parser::new(d)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(parse_error)
}

fn parse_one(d: &dyn Dialect, text: &str) -> Result<Vec<Statement>, String> {
    Parser::parse_sql(d, text).map_err(parse_error)
}

fn shorten(msg: &str) -> String {
    let msg = msg.trim_start_matches("sql parser error: ");
    let mut s: String = msg.chars().take(120).collect();
    if s.len() < msg.len() {
        s.push('…');
    }
    s
}

fn head_words(head: &[Tok], n: usize) -> String {
    head.iter()
        .filter_map(|t| match t {
            Tok::Word { value, .. } => Some(value.to_ascii_uppercase()),
            _ => None,
        })
        .take(n)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first words of a statement the tokenizer rejected, upper case.
fn raw_words(text: &str, n: usize) -> String {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn head_tokens(tokens: &[TokenWithSpan]) -> Vec<Tok> {
    tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .take(HEAD_TOKENS)
        .map(|t| match &t.token {
            Token::Word(w) => Tok::Word {
                value: w.value.clone(),
                quoted: w.quote_style.is_some(),
            },
            Token::Period => Tok::Dot,
            Token::LParen => Tok::LParen,
            Token::RParen => Tok::RParen,
            _ => Tok::Other,
        })
        .collect()
}

/// Re-parses without one keyword sqlparser does not know where the catalog does not need it.
fn rescue(
    d: &dyn Dialect,
    tokens: &[TokenWithSpan],
    head: &[Tok],
) -> Option<(Statement, bool, bool)> {
    let is = |i: usize, kw: &str| head.get(i).is_some_and(|t| t.is(kw));
    let words: Vec<(usize, &TokenWithSpan)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t.token, Token::Whitespace(_) | Token::EOF))
        .collect();
    let word_is = |t: &TokenWithSpan, kw: &str| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw));
    // PostgreSQL 18's VIRTUAL generated columns: for the catalog they are columns like STORED ones.
    if is(0, "CREATE") && tokens.iter().any(|t| word_is(t, "VIRTUAL")) {
        let text: String = tokens
            .iter()
            .map(|t| {
                if word_is(t, "VIRTUAL") {
                    "STORED".to_string()
                } else {
                    t.token.to_string()
                }
            })
            .collect();
        let mut v = parse_one(d, &text).ok()?;
        return (v.len() == 1)
            .then(|| v.pop())
            .flatten()
            .map(|a| (a, false, false));
    }
    let (skip, concurrently, on_only) = if is(0, "DROP") && is(1, "INDEX") && is(2, "CONCURRENTLY")
    {
        (words.get(2).map(|(i, _)| *i)?, true, false)
    } else if is(0, "CREATE") && head.iter().any(|t| t.is("INDEX")) {
        // `ON ONLY parent`: the index is on the partitioned parent alone.
        let pos = words
            .windows(2)
            .find(|w| matches!(w, [(_, a), (_, b)] if word_is(a, "ON") && word_is(b, "ONLY")))
            .and_then(|w| w.get(1).map(|(i, _)| *i))?;
        (pos, false, true)
    } else {
        return None;
    };
    let text: String = tokens
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != skip)
        .map(|(_, t)| t.token.to_string())
        .collect();
    let mut v = parse_one(d, &text).ok()?;
    if v.len() != 1 {
        return None;
    }
    Some((v.pop()?, concurrently, on_only))
}

/// Reads a possibly qualified name starting at `head[i]`; returns it and the index after it.
pub fn name_at(head: &[Tok], mut i: usize) -> Option<(ObjectName, usize)> {
    let mut parts = Vec::new();
    loop {
        match head.get(i)? {
            Tok::Word { value, quoted } => {
                parts.push(if *quoted {
                    Ident::with_quote('"', value.clone())
                } else {
                    Ident::new(value.clone())
                });
                i += 1;
            }
            _ => return None,
        }
        if head.get(i) == Some(&Tok::Dot) {
            i += 1;
        } else {
            break;
        }
    }
    Some((ObjectName::from(parts), i))
}

/// Skips optional keywords at `i`.
pub fn skip_kw(head: &[Tok], mut i: usize, kws: &[&str]) -> usize {
    while head.get(i).is_some_and(|t| kws.iter().any(|k| t.is(k))) {
        i += 1;
    }
    i
}

/// The sequence or view a `CREATE [OR REPLACE] [TEMP] [MATERIALIZED] {SEQUENCE|VIEW}` statement creates.
pub fn created_object(head: &[Tok]) -> Option<ObjectName> {
    if !head.first().is_some_and(|t| t.is("CREATE")) {
        return None;
    }
    let i = skip_kw(
        head,
        1,
        &[
            "OR",
            "REPLACE",
            "TEMP",
            "TEMPORARY",
            "UNLOGGED",
            "MATERIALIZED",
            "RECURSIVE",
        ],
    );
    if !head
        .get(i)
        .is_some_and(|t| t.is("SEQUENCE") || t.is("VIEW"))
    {
        return None;
    }
    let i = skip_kw(head, i + 1, &["IF", "NOT", "EXISTS"]);
    name_at(head, i).map(|(n, _)| n)
}

/// Recognises what the catalog and rules need from statements sqlparser does not parse.
pub fn recognise(head: &[Tok]) -> Option<Recognised> {
    let is = |i: usize, kw: &str| head.get(i).is_some_and(|t| t.is(kw));
    let find = |kw: &str| head.iter().position(|t| t.is(kw));
    if (is(0, "CREATE") || is(0, "ALTER")) && head.iter().take(4).any(|t| t.is("SEQUENCE")) {
        if let Some(p) = find("OWNED")
            && head.get(p + 1).is_some_and(|t| t.is("BY"))
            && let Some((name, _)) = name_at(head, p + 2)
        {
            let mut parts = name.0;
            if parts.len() >= 2
                && let Some(col) = parts.pop().and_then(|p| p.as_ident().cloned())
            {
                return Some(Recognised::SequenceOwnedBy {
                    table: ObjectName(parts),
                    column: col,
                });
            }
        }
        return Some(Recognised::Sequence);
    }
    if is(0, "CREATE") {
        let i = skip_kw(
            head,
            1,
            &["GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED"],
        );
        if head.get(i).is_some_and(|t| t.is("TABLE")) {
            let j = skip_kw(head, i + 1, &["IF", "NOT", "EXISTS"]);
            if let Some((name, _)) = name_at(head, j) {
                return Some(Recognised::CreateTable { name });
            }
        }
    }
    if is(0, "ALTER") && is(1, "TABLE") {
        let i = skip_kw(head, 2, &["IF", "EXISTS", "ONLY"]);
        let (parent, j) = name_at(head, i)?;
        if head.get(j).is_some_and(|t| t.is("ALTER")) {
            let k = skip_kw(head, j + 1, &["COLUMN"]);
            if let Some(Tok::Word { value, quoted }) = head.get(k)
                && is(k + 1, "ADD")
                && is(k + 2, "GENERATED")
            {
                let column = if *quoted {
                    Ident::with_quote('"', value.clone())
                } else {
                    Ident::new(value.clone())
                };
                return Some(Recognised::IdentityAdded {
                    table: parent,
                    column,
                    always: is(k + 3, "ALWAYS"),
                });
            }
        }
        if (head.get(j).is_some_and(|t| t.is("ATTACH"))
            || head.get(j).is_some_and(|t| t.is("DETACH")))
            && head.get(j + 1).is_some_and(|t| t.is("PARTITION"))
        {
            let (child, k) = name_at(head, j + 2)?;
            if head.get(j).is_some_and(|t| t.is("ATTACH")) {
                return Some(Recognised::AttachPartition { parent, child });
            }
            let concurrently = head
                .get(k)
                .is_some_and(|t| t.is("CONCURRENTLY") || t.is("FINALIZE"));
            return Some(Recognised::DetachPartition {
                parent,
                child,
                concurrently,
            });
        }
        return None;
    }
    if is(0, "ALTER") && is(1, "INDEX") && find("ATTACH").is_some() {
        return Some(Recognised::AttachIndex);
    }
    if is(0, "REINDEX") {
        let mut i = 1;
        if head.get(i) == Some(&Tok::LParen) {
            while head.get(i).is_some_and(|t| *t != Tok::RParen) {
                i += 1;
            }
            i += 1;
        }
        let kind = match head.get(i) {
            Some(Tok::Word { value, .. }) => value.to_ascii_uppercase(),
            _ => return None,
        };
        i += 1;
        let concurrently = head.get(i).is_some_and(|t| t.is("CONCURRENTLY"));
        if concurrently {
            i += 1;
        }
        let name = name_at(head, i).map(|(n, _)| n);
        return Some(Recognised::Reindex {
            kind,
            name,
            concurrently,
        });
    }
    if is(0, "CLUSTER") {
        let i = skip_kw(head, 1, &["VERBOSE"]);
        let table = name_at(head, i).map(|(n, _)| n);
        return Some(Recognised::Cluster { table });
    }
    if is(0, "ALTER") && is(1, "DOMAIN") {
        let (domain, j) = name_at(head, 2)?;
        if head.get(j).is_some_and(|t| t.is("ADD")) {
            let not_valid = head
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.is("NOT") && b.is("VALID")));
            return Some(Recognised::DomainConstraint { domain, not_valid });
        }
    }
    None
}

/// Refuses statements whose expressions chain so many tokens, or nest so deeply, that parsing and
/// walking them would risk the stack. Works on tokens, so it never recurses itself.
fn check_complexity(tokens: &[TokenWithSpan]) -> Result<(), String> {
    let mut levels: Vec<usize> = vec![0];
    let mut path: usize = 0;
    let mut nesting = Nesting::default();
    for t in tokens {
        if !matches!(t.token, Token::Whitespace(_)) && nesting.step(&t.token) > MAX_NESTING {
            return Err(format!(
                "expressions nest more than {MAX_NESTING} levels deep (brackets, CASE and NOT \
                 counted together) at line {}, column {}; not reviewed",
                t.span.start.line, t.span.start.column
            ));
        }
        match &t.token {
            Token::Whitespace(_) => {}
            Token::LParen | Token::LBracket | Token::LBrace => levels.push(0),
            Token::RParen | Token::RBracket | Token::RBrace => {
                if levels.len() > 1 {
                    let c = levels.pop().unwrap_or(0);
                    path = path.saturating_sub(c);
                }
            }
            Token::Comma => {
                if let Some(top) = levels.last_mut() {
                    path = path.saturating_sub(*top);
                    *top = 0;
                }
            }
            _ => {
                if let Some(top) = levels.last_mut() {
                    *top = top.saturating_add(1);
                }
                path = path.saturating_add(1);
                if path > MAX_CHAIN_TOKENS {
                    return Err(format!(
                        "one expression chains more than {MAX_CHAIN_TOKENS} tokens (near line {}, column {}); \
                         too complex to review",
                        t.span.start.line, t.span.start.column
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The nesting the parser will recurse through, followed token by token (whitespace skipped): each
/// open bracket or `CASE` is a level, and so is each `NOT` in a run of prefix `NOT`s until its
/// operand starts; a bracket or `CASE` opened right after such a run keeps the run's levels until it
/// closes.
#[derive(Default)]
struct Nesting {
    /// Open brackets and `CASE`s: whether it is a `CASE`, and the levels it holds.
    open: Vec<(bool, usize)>,
    /// Levels held by all of `open`.
    held: usize,
    /// `NOT`s read since the last operand.
    nots: usize,
    /// The previous token was `END` (so a `CASE` after it is `END CASE`, not a new one).
    after_end: bool,
}

impl Nesting {
    /// Take one token; the depth at it.
    fn step(&mut self, token: &Token) -> usize {
        let word = match token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
            _ => None,
        };
        let after_end = std::mem::replace(&mut self.after_end, word == Some(Keyword::END));
        let opens_case = word == Some(Keyword::CASE) && !after_end;
        match token {
            Token::LParen | Token::LBracket | Token::LBrace => self.open(false),
            _ if opens_case => self.open(true),
            Token::RParen | Token::RBracket | Token::RBrace => {
                // Close up to the matching bracket (an unclosed CASE inside it is closed with it).
                while let Some((is_case, levels)) = self.open.pop() {
                    self.held -= levels;
                    if !is_case {
                        break;
                    }
                }
                self.nots = 0;
            }
            _ if word == Some(Keyword::END) => {
                if self.open.last().is_some_and(|(is_case, _)| *is_case)
                    && let Some((_, levels)) = self.open.pop()
                {
                    self.held -= levels;
                }
                self.nots = 0;
            }
            _ if word == Some(Keyword::NOT) => self.nots += 1,
            _ => self.nots = 0,
        }
        self.held + self.nots
    }

    fn open(&mut self, is_case: bool) {
        let levels = 1 + std::mem::take(&mut self.nots);
        self.open.push((is_case, levels));
        self.held += levels;
    }
}

/// Parses one query of `queries` (whole, it is one statement or a few).
pub fn parse_query(
    dialect: SqlDialect,
    sql: &str,
    field: &str,
) -> Result<Vec<Statement>, DecideError> {
    let d = dialect.parser_dialect();
    let tokens = Tokenizer::new(&*d, sql)
        .tokenize_with_location()
        .map_err(|e| {
            DecideError::InvalidInput(format!(
                "{field}: does not parse as {}: {e}",
                dialect.label()
            ))
        })?;
    check_complexity(&tokens).map_err(|m| DecideError::InvalidInput(format!("{field}: {m}")))?;
    parse_tokens(&*d, tokens).map_err(|e| {
        DecideError::InvalidInput(format!(
            "{field}: does not parse as {}: {e}",
            dialect.label()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> Stmt {
        let mut out = Vec::new();
        let mut unparsed = Vec::new();
        let mut budget = Budget::new(usize::MAX);
        parse_input(
            SqlDialect::Postgres,
            sql,
            Phase::Script,
            "migration",
            &mut budget,
            &mut out,
            &mut unparsed,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(unparsed.is_empty(), "{unparsed:?}");
        assert_eq!(out.len(), 1, "{sql}");
        out.remove(0)
    }

    fn depth(sql: &str) -> usize {
        let d = SqlDialect::Postgres.parser_dialect();
        let tokens = Tokenizer::new(&*d, sql)
            .tokenize_with_location()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut nesting = Nesting::default();
        tokens
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|t| nesting.step(&t.token))
            .max()
            .unwrap_or(0)
    }

    fn nested_case(levels: usize) -> String {
        (0..levels).fold("1".to_string(), |inner, i| {
            format!("CASE WHEN a = {i} THEN {inner} ELSE 0 END")
        })
    }

    #[test]
    fn nesting_counts_brackets_case_and_not_together() {
        assert_eq!(depth("SELECT a FROM t"), 0);
        assert_eq!(depth("SELECT ((a)) FROM t"), 2);
        assert_eq!(depth(&format!("SELECT {} FROM t", nested_case(7))), 7);
        assert_eq!(depth("SELECT NOT NOT NOT a"), 3);
        // A NOT before a bracket holds its level inside it.
        assert_eq!(depth("SELECT NOT (NOT (a))"), 4);
        // NOT NULL, IS NOT, NOT IN: at most one level, for the NOT token alone (never a chain).
        assert_eq!(
            depth("CREATE TABLE t (a int NOT NULL, b int NOT NULL CHECK (b IS NOT NULL))"),
            3
        );
        // `END CASE` / `END IF` close a block; the CASE after END opens nothing.
        assert_eq!(
            depth("CASE x WHEN 1 THEN y; END CASE; CASE x WHEN 2 THEN z; END CASE"),
            1
        );
        // Many siblings are not depth.
        let siblings = vec![nested_case(3); 100].join(" + ");
        assert_eq!(depth(&format!("SELECT {siblings}")), 3);
    }

    #[test]
    fn deep_case_gets_the_nesting_reason_not_a_syntax_error() {
        // sqlparser's own report for CASE 200 deep is "Expected: end of statement, found: a".
        let deep = format!("SELECT {} FROM t", nested_case(200));
        let e = parse_query(SqlDialect::Postgres, &deep, "queries[0]").unwrap_err();
        assert!(
            e.to_string().contains("nest more than 40 levels deep"),
            "{e}"
        );
        let mut out = Vec::new();
        let mut unparsed = Vec::new();
        let ddl = format!("CREATE TABLE t (a int CHECK ({} > 0))", nested_case(200));
        let _ = parse_input(
            SqlDialect::Postgres,
            &ddl,
            Phase::Script,
            "ddl",
            &mut Budget::new(usize::MAX),
            &mut out,
            &mut unparsed,
        );
        assert!(
            unparsed
                .iter()
                .any(|u| u.error.contains("nest more than 40")),
            "{unparsed:?}"
        );
        // The deepest accepted parses.
        let ok = format!("SELECT {} FROM t", nested_case(MAX_NESTING));
        assert!(parse_query(SqlDialect::Postgres, &ok, "queries[0]").is_ok());
    }

    #[test]
    fn rescues_drop_index_concurrently_and_on_only() {
        let s = one("DROP INDEX CONCURRENTLY IF EXISTS public.idx");
        assert!(s.concurrently && s.ast.is_some());
        let s = one("CREATE INDEX i ON ONLY public.t USING btree (a)");
        assert!(s.on_only && s.ast.is_some());
    }

    #[test]
    fn recognises_sequences_partitions_reindex_cluster_domains() {
        let s = one("ALTER SEQUENCE public.s OWNED BY public.t.id");
        assert!(
            matches!(s.recognised, Some(Recognised::SequenceOwnedBy { ref column, .. }) if column.value == "id")
        );
        let s = one("CREATE SEQUENCE public.s START WITH 1 INCREMENT BY 1 NO MINVALUE CACHE 1");
        assert_eq!(s.recognised, Some(Recognised::Sequence));
        let s = one("ALTER TABLE ONLY p ATTACH PARTITION p1 FOR VALUES FROM (1) TO (2)");
        assert!(matches!(
            s.recognised,
            Some(Recognised::AttachPartition { .. })
        ));
        let s = one("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY");
        assert!(matches!(
            s.recognised,
            Some(Recognised::DetachPartition {
                concurrently: true,
                ..
            })
        ));
        let s = one("REINDEX (VERBOSE) TABLE CONCURRENTLY t");
        assert!(matches!(
            s.recognised,
            Some(Recognised::Reindex {
                concurrently: true,
                ..
            })
        ));
        let s = one("CLUSTER t USING i");
        assert!(matches!(
            s.recognised,
            Some(Recognised::Cluster { table: Some(_) })
        ));
        let s = one("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID");
        assert!(matches!(
            s.recognised,
            Some(Recognised::DomainConstraint {
                not_valid: true,
                ..
            })
        ));
    }

    #[test]
    fn unparsable_statements_are_listed_and_the_rest_goes_on() {
        let mut out = Vec::new();
        let mut unparsed = Vec::new();
        let mut budget = Budget::new(usize::MAX);
        let sql = "CREATE TABLE a (id int);\nCREATE AGGREGATE x (int) (sfunc = f, stype = int);\nCREATE TABLE b (id int);";
        parse_input(
            SqlDialect::Postgres,
            sql,
            Phase::Schema,
            "schema",
            &mut budget,
            &mut out,
            &mut unparsed,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.len(), 2);
        assert_eq!(unparsed.len(), 1);
        assert_eq!(unparsed[0].line, 2);
        assert_eq!(unparsed[0].starts, "CREATE AGGREGATE X INT");
    }
}

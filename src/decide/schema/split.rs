//! The statement splitter: cuts a whole SQL file into statements without parsing it, so that one
//! statement the parser rejects costs only itself. It knows what hides a semicolon: quoted strings
//! (with `''` doubling, backslash escapes in `E'...'` and in MySQL), quoted identifiers, dollar quoting
//! with tags, `--`/`#` line comments, nested `/* */` comments, BEGIN ... END bodies of triggers and
//! procedures, psql meta-commands (`\connect`, `\set`, COPY data ended by `\.`) and MySQL's `DELIMITER`.
//! One pass over the bytes; the pieces borrow from the input.

use super::SqlDialect;

/// One statement (or one client command) of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece<'a> {
    /// The statement text, without its delimiter (comments before it included).
    pub text: &'a str,
    /// 1-based line of its first character that is not blank or a comment.
    pub line: u32,
    /// A psql meta-command or a `DELIMITER` line: not SQL, skipped by the review.
    pub client_command: bool,
    /// Rule ids silenced for this statement by a `-- review-schema: ignore RULE` comment.
    pub ignore: Vec<String>,
}

/// The marker of an inline suppression comment.
const IGNORE_MARK: &str = "review-schema: ignore";

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

struct Splitter<'a> {
    src: &'a str,
    bytes: &'a [u8],
    dialect: SqlDialect,
    i: usize,
    line: u32,
    start: usize,
    content_line: Option<u32>,
    delimiter: String,
    /// First words of the current statement (upper case), up to a few.
    head: Vec<String>,
    /// BEGIN ... END nesting inside a trigger or procedure body.
    depth: usize,
    block_mode: bool,
    pending_ignore: Vec<String>,
    /// Line on which the last statement ended, with its index, for trailing ignore comments.
    last_end: Option<(u32, usize)>,
    /// Only blanks since the last line break.
    at_bol: bool,
    /// The statement just ended was `COPY ... FROM stdin`: its data lines follow.
    copy_pending: bool,
    pieces: Vec<Piece<'a>>,
}

/// Splits `sql` into statements and client commands, in order.
pub fn split(sql: &str, dialect: SqlDialect) -> Vec<Piece<'_>> {
    let mut s = Splitter {
        src: sql,
        bytes: sql.as_bytes(),
        dialect,
        i: 0,
        line: 1,
        start: 0,
        content_line: None,
        delimiter: ";".to_string(),
        head: Vec::new(),
        depth: 0,
        block_mode: false,
        pending_ignore: Vec::new(),
        last_end: None,
        copy_pending: false,
        at_bol: true,
        pieces: Vec::new(),
    };
    s.run();
    s.pieces
}

impl<'a> Splitter<'a> {
    fn peek(&self, off: usize) -> Option<u8> {
        self.bytes.get(self.i + off).copied()
    }

    fn advance_to(&mut self, end: usize) {
        let end = end.min(self.bytes.len());
        if let Some(slice) = self.bytes.get(self.i..end) {
            self.line = self.line.saturating_add(
                u32::try_from(slice.iter().filter(|&&b| b == b'\n').count()).unwrap_or(u32::MAX),
            );
        }
        self.i = end;
    }

    fn mark_content(&mut self) {
        if self.content_line.is_none() {
            self.content_line = Some(self.line);
        }
    }

    fn line_end(&self) -> usize {
        self.bytes
            .get(self.i..)
            .and_then(|r| r.iter().position(|&b| b == b'\n'))
            .map_or(self.bytes.len(), |p| self.i + p)
    }

    fn run(&mut self) {
        while self.i < self.bytes.len() {
            let Some(b) = self.peek(0) else { break };
            if self.content_line.is_none() && self.at_bol && self.client_command() {
                continue;
            }
            self.at_bol = match b {
                b'\n' => true,
                b' ' | b'\t' | b'\r' => self.at_bol,
                _ => false,
            };
            if self.depth == 0
                && self
                    .src
                    .get(self.i..)
                    .is_some_and(|r| r.starts_with(self.delimiter.as_str()))
            {
                let end = self.i;
                let dlen = self.delimiter.len();
                self.finish(end);
                self.advance_to(self.i + dlen);
                if std::mem::take(&mut self.copy_pending) {
                    self.skip_copy_data();
                }
                self.start = self.i;
                continue;
            }
            match b {
                b'\n' => {
                    self.line = self.line.saturating_add(1);
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'-' if self.peek(1) == Some(b'-') => self.line_comment(),
                b'#' if self.dialect == SqlDialect::Mysql => self.line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment(),
                b'\'' => {
                    self.mark_content();
                    let escapes = self.dialect == SqlDialect::Mysql || self.e_prefix();
                    self.quoted(b'\'', escapes);
                }
                b'"' => {
                    self.mark_content();
                    self.quoted(b'"', self.dialect == SqlDialect::Mysql);
                }
                b'`' if self.dialect != SqlDialect::Postgres => {
                    self.mark_content();
                    self.quoted(b'`', false);
                }
                b'$' if self.dialect != SqlDialect::Mysql && self.dollar_quote() => {}
                b if b.is_ascii_alphabetic() || b == b'_' => self.word(),
                _ => {
                    self.mark_content();
                    self.i += 1;
                }
            }
        }
        let end = self.bytes.len();
        self.finish(end);
    }

    /// Whether the `'` at `i` opens an `E'...'` string (backslash escapes).
    fn e_prefix(&self) -> bool {
        let before = self
            .i
            .checked_sub(1)
            .and_then(|j| self.bytes.get(j))
            .copied();
        let before2 = self
            .i
            .checked_sub(2)
            .and_then(|j| self.bytes.get(j))
            .copied();
        matches!(before, Some(b'e' | b'E')) && !before2.is_some_and(is_ident_byte)
    }

    fn quoted(&mut self, q: u8, escapes: bool) {
        let mut j = self.i + 1;
        while let Some(&c) = self.bytes.get(j) {
            if escapes && c == b'\\' {
                j += 2;
                continue;
            }
            if c == q {
                if self.bytes.get(j + 1) == Some(&q) {
                    j += 2;
                    continue;
                }
                j += 1;
                self.advance_to(j);
                return;
            }
            j += 1;
        }
        // Unterminated: the rest of the input is the string; the parser reports it.
        self.advance_to(self.bytes.len());
    }

    /// A dollar-quoted string (`$$...$$` or `$tag$...$tag$`); false when the `$` does not open one
    /// (a `$1` placeholder, or `$` inside an identifier).
    fn dollar_quote(&mut self) -> bool {
        let before = self
            .i
            .checked_sub(1)
            .and_then(|j| self.bytes.get(j))
            .copied();
        if before.is_some_and(is_ident_byte) {
            self.mark_content();
            self.i += 1;
            return true;
        }
        let mut j = self.i + 1;
        if self.bytes.get(j).is_some_and(|c| c.is_ascii_digit()) {
            return false;
        }
        while self.bytes.get(j).copied().is_some_and(is_ident_byte) {
            j += 1;
        }
        if self.bytes.get(j) != Some(&b'$') {
            return false;
        }
        let Some(tag) = self.src.get(self.i..=j) else {
            return false;
        };
        self.mark_content();
        let body = j + 1;
        let close = self
            .src
            .get(body..)
            .and_then(|r| r.find(tag))
            .map_or(self.bytes.len(), |p| body + p + tag.len());
        self.advance_to(close);
        true
    }

    fn line_comment(&mut self) {
        let end = self.line_end();
        if let Some(text) = self.src.get(self.i..end) {
            self.ignore_comment(text);
        }
        self.i = end;
    }

    fn block_comment(&mut self) {
        let nested = self.dialect == SqlDialect::Postgres;
        let mut depth = 0usize;
        let mut j = self.i;
        while j < self.bytes.len() {
            match (self.bytes.get(j), self.bytes.get(j + 1)) {
                (Some(b'/'), Some(b'*')) if depth == 0 || nested => {
                    depth += 1;
                    j += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                }
                _ => j += 1,
            }
        }
        // MySQL's /*!40101 ... */ executable comments are SQL for MySQL; they stay in the text.
        if let Some(text) = self.src.get(self.i..j) {
            self.ignore_comment(text);
        }
        self.advance_to(j);
    }

    /// Records `-- review-schema: ignore rule-a, rule-b`: for the statement that ended on this line
    /// (a trailing comment), else for the next one.
    fn ignore_comment(&mut self, text: &str) {
        let Some(p) = text.find(IGNORE_MARK) else {
            return;
        };
        let rules: Vec<String> = text
            .get(p + IGNORE_MARK.len()..)
            .unwrap_or("")
            .split(|c: char| c == ',' || c.is_whitespace())
            .map(|w| w.trim_end_matches("*/").trim())
            .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
            .map(str::to_string)
            .collect();
        if rules.is_empty() {
            return;
        }
        match self.last_end {
            Some((line, idx)) if self.content_line.is_none() && line == self.line => {
                if let Some(p) = self.pieces.get_mut(idx) {
                    p.ignore.extend(rules);
                }
            }
            _ => self.pending_ignore.extend(rules),
        }
    }

    fn word(&mut self) {
        self.mark_content();
        let mut j = self.i;
        while self.bytes.get(j).copied().is_some_and(is_ident_byte)
            || self.bytes.get(j) == Some(&b'$')
        {
            j += 1;
        }
        let word = self.src.get(self.i..j).unwrap_or("");
        if self.head.len() < 8 {
            self.head.push(word.to_ascii_uppercase());
            self.block_mode = self.block_mode || self.opens_block_body();
        }
        if self.block_mode {
            let upper = word.to_ascii_uppercase();
            match upper.as_str() {
                "BEGIN" => self.depth += 1,
                "CASE" if self.depth > 0 => self.depth += 1,
                "END" if self.depth > 0 => {
                    // END IF / END LOOP / END WHILE / END REPEAT close a statement, not a block.
                    let rest = self.src.get(j..).unwrap_or("").trim_start();
                    let next: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphabetic())
                        .collect::<String>()
                        .to_ascii_uppercase();
                    if !matches!(next.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT") {
                        self.depth -= 1;
                    }
                }
                _ => {}
            }
        }
        self.i = j;
    }

    /// A trigger body (SQLite, MySQL), a MySQL procedure or function body, or PostgreSQL's
    /// `BEGIN ATOMIC` body holds semicolons up to its END.
    fn opens_block_body(&self) -> bool {
        let h = &self.head;
        if h.first().map(String::as_str) != Some("CREATE") {
            return false;
        }
        let has = |w: &str| h.iter().any(|x| x == w);
        if has("TRIGGER") {
            return self.dialect != SqlDialect::Postgres;
        }
        (has("PROCEDURE") || has("FUNCTION")) && self.dialect == SqlDialect::Mysql
    }

    /// A psql meta-command or a DELIMITER line at the start of a statement; consumes it.
    fn client_command(&mut self) -> bool {
        let Some(b) = self.peek(0) else { return false };
        let is_delimiter = (b == b'D' || b == b'd')
            && self
                .src
                .get(self.i..self.i + 10)
                .is_some_and(|w| w.eq_ignore_ascii_case("DELIMITER "));
        if b != b'\\' && !is_delimiter {
            return false;
        }
        let end = self.line_end();
        let Some(text) = self.src.get(self.i..end) else {
            return false;
        };
        if is_delimiter {
            let d = text.get(10..).unwrap_or("").trim();
            if !d.is_empty() {
                self.delimiter = d.to_string();
            }
        }
        self.pieces.push(Piece {
            text: text.trim_end(),
            line: self.line,
            client_command: true,
            ignore: Vec::new(),
        });
        self.i = end;
        self.start = end;
        true
    }

    fn finish(&mut self, end: usize) {
        if let Some(line) = self.content_line.take() {
            let text = self.src.get(self.start..end).unwrap_or("");
            let copy_from_stdin = self.head.first().map(String::as_str) == Some("COPY")
                && text.to_ascii_uppercase().contains("FROM STDIN");
            self.pieces.push(Piece {
                text,
                line,
                client_command: false,
                ignore: std::mem::take(&mut self.pending_ignore),
            });
            self.last_end = Some((self.line, self.pieces.len() - 1));
            self.copy_pending = copy_from_stdin;
        }
        self.head.clear();
        self.depth = 0;
        self.block_mode = false;
    }

    /// Skips the data lines psql reads after `COPY ... FROM stdin;`, through the `\.` line.
    fn skip_copy_data(&mut self) {
        let stop = self
            .src
            .get(self.i..)
            .and_then(|r| r.find("\n\\."))
            .map_or(self.bytes.len(), |p| self.i + p + 3);
        self.advance_to(stop);
        self.start = self.i;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, d: SqlDialect) -> Vec<String> {
        split(sql, d)
            .into_iter()
            .filter(|p| !p.client_command)
            .map(|p| p.text.trim().to_string())
            .collect()
    }

    #[test]
    fn semicolons_inside_quotes_and_comments_do_not_split() {
        let sql = "CREATE TABLE a (x text DEFAULT 'a;b');\n-- a; comment\nCOMMENT ON TABLE a IS 'it''s; fine';\n\
                   /* outer /* nested; */ still; */ SELECT 1;\nSELECT E'\\'; still';";
        let v = texts(sql, SqlDialect::Postgres);
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(v[3].starts_with("SELECT E'"), "{v:?}");
    }

    #[test]
    fn dollar_quotes_with_tags_and_placeholders() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\n\
                   DO $$ BEGIN PERFORM 1; END $$;\nSELECT $1;";
        let v = texts(sql, SqlDialect::Postgres);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[2], "SELECT $1");
    }

    #[test]
    fn psql_meta_commands_and_copy_data_are_client_commands() {
        let sql =
            "\\connect shop\nCREATE TABLE a (x int);\nCOPY a (x) FROM stdin;\n1\n2\n\\.\nSELECT 1;";
        let pieces = split(sql, SqlDialect::Postgres);
        let sqls: Vec<&str> = pieces
            .iter()
            .filter(|p| !p.client_command)
            .map(|p| p.text.trim())
            .collect();
        assert_eq!(
            sqls,
            vec![
                "CREATE TABLE a (x int)",
                "COPY a (x) FROM stdin",
                "SELECT 1"
            ]
        );
        assert_eq!(pieces.first().map(|p| p.client_command), Some(true));
        let last = pieces.last().map(|p| p.line);
        assert_eq!(last, Some(7));
    }

    #[test]
    fn mysql_delimiter_and_procedure_bodies() {
        let sql = "DELIMITER ;;\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END;;\nDELIMITER ;\n\
                   CREATE TABLE t (a int); # hash comment; here\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW \
                   BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; END;\nSELECT \"a;b\";";
        let v = texts(sql, SqlDialect::Mysql);
        assert_eq!(v.len(), 4, "{v:?}");
        assert!(v[0].ends_with("END"), "{v:?}");
        assert!(v[2].ends_with("END"), "{v:?}");
    }

    #[test]
    fn sqlite_trigger_bodies_keep_their_semicolons() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; \
                   SELECT CASE WHEN 1 THEN 2 END; END;\nCREATE TABLE c (x);";
        assert_eq!(texts(sql, SqlDialect::Sqlite).len(), 2);
    }

    #[test]
    fn lines_and_ignore_comments() {
        let sql = "-- header\n\nCREATE TABLE a (x int);\n-- review-schema: ignore blocking-index-build\n\
                   CREATE INDEX i ON a (x);\nALTER TABLE a ADD COLUMN y int; -- review-schema: ignore missing-lock-timeout, add-column-rewrite\n";
        let p = split(sql, SqlDialect::Postgres);
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].line, 3);
        assert_eq!(p[1].line, 5);
        assert_eq!(p[1].ignore, vec!["blocking-index-build"]);
        assert_eq!(
            p[2].ignore,
            vec!["missing-lock-timeout", "add-column-rewrite"]
        );
    }

    #[test]
    fn unterminated_input_ends_the_last_piece() {
        for sql in [
            "SELECT 'abc",
            "SELECT $$abc",
            "/* never closed",
            "SELECT \"x",
        ] {
            let p = split(sql, SqlDialect::Postgres);
            assert!(p.len() <= 1, "{sql}: {p:?}");
        }
    }
}

use super::*;

/// Column-level rules: plaintext secrets, float money, timestamps without time zone.
pub fn check_column_type(
    ctx: &Ctx,
    table: &TableName,
    col: &str,
    dt: &DataType,
    existing: bool,
    loc: &Loc,
    out: &mut Out,
) {
    let ty = classify(dt, ctx.dialect);
    let c = ctx.q(col);
    let tsql = &table.sql;
    // plaintext-secret
    if matches!(ty, Ty::Text(_) | Ty::Uuid | Ty::Other(_))
        && let Some(kind) = secret_kind(col)
    {
        let hash_type = match ctx.dialect {
            SqlDialect::Postgres => "bytea",
            SqlDialect::Mysql => "BINARY(32)",
            SqlDialect::Sqlite | SqlDialect::Generic => "BLOB",
        };
        let (what, anchor, fix) = match kind {
            SecretKind::Password => (
                "a password column that is not a hash: never store plain-text passwords; store only a slow, \
                 salted hash (argon2id, or bcrypt with cost 12+), so a leaked table does not leak passwords",
                "password-storage",
                format!(
                    "ALTER TABLE {tsql} ADD COLUMN {h} text;  -- argon2id / bcrypt encoded hash (includes the salt)\n\
                     -- application: hash with argon2id on signup and password change; on login verify and, for \
                     users still on {col}, hash it into {h}; force a reset for the rest\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};  -- in a later release, once backfilled",
                    h = ctx.q(&format!("{}_hash", sanitize(col)))
                ),
            ),
            SecretKind::Token => (
                "a token stored as plaintext: anyone who can read the table (a backup, a replica, an SQL \
                 injection) can use every token. Store a SHA-256 digest (or HMAC-SHA-256 with a server-side key) \
                 and compare digests; show the token only once, at creation",
                "secrets-management",
                format!(
                    "ALTER TABLE {tsql} ADD COLUMN {h} {hash_type};  -- SHA-256 / HMAC-SHA-256 of the token\n\
                     -- application: look tokens up by digest; backfill digests, then in a later release:\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};",
                    h = ctx.q(&format!("{}_digest", sanitize(col)))
                ),
            ),
            SecretKind::Key => (
                "a secret or key stored as plaintext. If you only need to verify it (API keys you issue), store \
                 a SHA-256/HMAC digest; if you must use it (third-party credentials), keep it in a secrets \
                 manager (Vault, AWS Secrets Manager) or encrypt it with a KMS-managed key, never in clear",
                "secrets-management",
                format!(
                    "-- keys you issue: ALTER TABLE {tsql} ADD COLUMN {h} {hash_type};  -- SHA-256 / HMAC digest\n\
                     -- credentials you must use: store a reference to the secrets manager instead, e.g.\n\
                     ALTER TABLE {tsql} ADD COLUMN {r} text;\n\
                     ALTER TABLE {tsql} DROP COLUMN {c};  -- after migrating the values out",
                    h = ctx.q(&format!("{}_digest", sanitize(col))),
                    r = ctx.q(&format!("{}_secret_ref", sanitize(col)))
                ),
            ),
        };
        out.push(
            loc.pos,
            loc.line,
            "plaintext-secret",
            Severity::High,
            &table.display,
            vec![col.to_string()],
            format!("{}.{col} ({dt}) looks like {what}.", table.display),
            fix,
            ref_security(anchor),
        );
    }
    // float-money
    if matches!(ty, Ty::Float(_)) && is_money_name(col) {
        let fix = match ctx.dialect {
            SqlDialect::Sqlite => format!(
                "-- SQLite has no exact decimal type (NUMERIC affinity still stores fractions as floats): store \
                 integer minor units, e.g. {}_cents INTEGER NOT NULL, and the currency code beside it",
                sanitize(col)
            ),
            SqlDialect::Mysql => {
                if existing {
                    format!(
                        "{}\n-- MySQL copies the table to change the type (ALGORITHM=COPY: writes wait); \
                         on a large table use gh-ost or pt-online-schema-change",
                        ctx.alter_type_sql(table, col, "DECIMAL(19,4)")
                    )
                } else {
                    format!(
                        "-- declare it exact: {c} DECIMAL(19,4) (or {}_cents BIGINT minor units)",
                        sanitize(col)
                    )
                }
            }
            SqlDialect::Postgres | SqlDialect::Generic => {
                if existing {
                    format!(
                        "{}  -- rewrites the table under an ACCESS EXCLUSIVE lock: \
                         on a large table add a numeric column, backfill it in batches and switch (expand-contract)",
                        ctx.alter_type_sql(table, col, "numeric(19,4)")
                    )
                } else {
                    format!(
                        "-- declare it exact: {c} numeric(19,4) (or {}_cents bigint minor units)",
                        sanitize(col)
                    )
                }
            }
        };
        out.push(
            loc.pos,
            loc.line,
            "float-money",
            Severity::High,
            &table.display,
            vec![col.to_string()],
            format!(
                "{}.{col} holds money in {dt}, a binary floating-point type: 0.1 + 0.2 is not 0.3, so sums and \
                 rounding drift by cents. Use numeric/decimal(precision, scale) or integer minor units (cents).",
                table.display
            ),
            fix,
            ref_schema("money-and-time-data-types"),
        );
    }
    // char-type, varchar-length (PostgreSQL: text with a CHECK is the same speed and cheaper to change)
    if ctx.dialect == SqlDialect::Postgres {
        let fixed = matches!(dt, DataType::Char(_) | DataType::Character(_));
        let limited = matches!(
            dt,
            DataType::Varchar(Some(CharacterLength::IntegerLength { .. }))
                | DataType::CharacterVarying(Some(CharacterLength::IntegerLength { .. }))
                | DataType::CharVarying(Some(CharacterLength::IntegerLength { .. }))
        );
        let n = match &ty {
            Ty::Text(Some(n)) => *n,
            _ => 1,
        };
        let fix = if existing {
            format!(
                "{}\n\
                 ALTER TABLE {tsql} ALTER COLUMN {c} TYPE text;\n\
                 ALTER TABLE {tsql} ADD CONSTRAINT {chk} CHECK (length({c}) <= {n}) NOT VALID;\n\
                 ALTER TABLE {tsql} VALIDATE CONSTRAINT {chk};  -- in its own transaction: reads and writes go on",
                if fixed {
                    "-- from char to text rewrites the table under an ACCESS EXCLUSIVE lock (trailing spaces are \
                     dropped): expand-contract on a large one"
                } else {
                    "-- varchar to text is binary compatible: no rewrite, only a brief ACCESS EXCLUSIVE lock"
                },
                chk = ctx.q(&format!(
                    "{}_{}_length",
                    sanitize(&table.short),
                    sanitize(col)
                ))
            )
        } else {
            format!(
                "-- declare it as: {c} text CHECK (length({c}) <= {n})  -- or plain text when the limit is arbitrary"
            )
        };
        if fixed {
            out.push(
                loc.pos,
                loc.line,
                rules::char_type::RULE.id,
                rules::char_type::RULE.severity,
                &table.display,
                vec![col.to_string()],
                format!(
                    "{}.{col} is {dt}: PostgreSQL pads it with spaces to {n} characters, compares and concatenates \
                     the padding inconsistently, and stores it no smaller than text. Use text (with a length CHECK \
                     when the length is a rule).",
                    table.display
                ),
                fix,
                rules::char_type::RULE.reference(),
            );
        } else if limited {
            out.push(
                loc.pos,
                loc.line,
                rules::varchar_length::RULE.id,
                rules::varchar_length::RULE.severity,
                &table.display,
                vec![col.to_string()],
                format!(
                    "{}.{col} is {dt}: in PostgreSQL the limit is no faster than text, is usually arbitrary, and \
                     changing it later takes an ACCESS EXCLUSIVE lock (lowering it rewrites or scans the table). \
                     Use text, with CHECK (length({col}) <= {n}) if the limit is a business rule.",
                    table.display
                ),
                fix,
                rules::varchar_length::RULE.reference(),
            );
        }
    }
    // timestamp-without-time-zone
    if ctx.dialect == SqlDialect::Postgres
        && matches!(
            dt,
            DataType::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone)
        )
    {
        // A calendar date (birth_date, due_on) is a date, not an instant: no time zone applies.
        let words = name_words(col);
        let calendar = words
            .iter()
            .any(|w| matches!(w.as_str(), "date" | "birth" | "birthday" | "dob" | "on"));
        let target = if calendar { "date" } else { "timestamptz" };
        let fix = if existing {
            let using = if calendar {
                format!("{c}::date")
            } else {
                format!("{c} AT TIME ZONE 'UTC'")
            };
            format!(
                "ALTER TABLE {tsql} ALTER COLUMN {c} TYPE {target} USING {using};  -- rewrites \
                 the table under an ACCESS EXCLUSIVE lock: expand-contract on a large one"
            )
        } else {
            format!("-- declare it as: {c} {target}")
        };
        out.push(
            loc.pos,
            loc.line,
            "timestamp-without-time-zone",
            Severity::Low,
            &table.display,
            vec![col.to_string()],
            if calendar {
                format!(
                    "{}.{col} is a timestamp without time zone but its name says calendar date: store a date \
                     (no time part, no time zone to get wrong).",
                    table.display
                )
            } else {
                format!(
                    "{}.{col} is a timestamp without time zone: the instant it denotes depends on the writer's \
                     session time zone, and DST changes make values ambiguous. Use timestamptz (stores an \
                     absolute instant).",
                    table.display
                )
            },
            fix,
            ref_schema("money-and-time-data-types"),
        );
    }
}

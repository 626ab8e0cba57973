/// Splits an identifier into lower-case words (snake_case, kebab, camelCase).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Password,
    Token,
    Key,
}

pub const HASH_WORDS: &[&str] = &[
    "hash",
    "hashed",
    "hashes",
    "digest",
    "fingerprint",
    "hmac",
    "bcrypt",
    "argon2",
    "argon2id",
    "scrypt",
    "pbkdf2",
    "sha",
    "sha1",
    "sha256",
    "sha512",
    "encrypted",
    "crypted",
    "enc",
    "cipher",
    "ciphertext",
    "salt",
    "kms",
    "ref",
    "arn",
    "path",
    "url",
    "uri",
    "name",
];

pub const META_WORDS: &[&str] = &[
    "at",
    "on",
    "date",
    "time",
    "timestamp",
    "expires",
    "expiry",
    "expiration",
    "expired",
    "ttl",
    "type",
    "kind",
    "count",
    "length",
    "len",
    "version",
    "id",
    "ids",
    "hint",
    "policy",
    "required",
    "set",
    "enabled",
    "attempts",
    "tries",
    "prefix",
    "suffix",
    "last4",
    "changed",
    "updated",
    "created",
    "sent",
    "status",
    "strength",
    "algorithm",
    "algo",
    "scheme",
    "rotated",
    "is",
    "has",
    "must",
    "format",
    "scope",
    "scopes",
    "label",
    "description",
    "used",
];

pub fn secret_kind(name: &str) -> Option<SecretKind> {
    let words = name_words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    if words
        .iter()
        .any(|w| HASH_WORDS.contains(&w.as_str()) || META_WORDS.contains(&w.as_str()))
    {
        return None;
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "password" | "passwd" | "passphrase" | "passcode" | "pwd" | "pin"
        )
    }) {
        return Some(SecretKind::Password);
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "token"
                | "tokens"
                | "accesstoken"
                | "refreshtoken"
                | "authtoken"
                | "apitoken"
                | "bearer"
                | "jwt"
                | "otp"
        )
    }) {
        return Some(SecretKind::Token);
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "secret"
                | "secrets"
                | "clientsecret"
                | "apikey"
                | "accesskey"
                | "privatekey"
                | "secretkey"
                | "signingkey"
        )
    }) {
        return Some(SecretKind::Key);
    }
    if has("key") {
        let pair = words.windows(2).any(|p| {
            matches!(
                (p.first().map(String::as_str), p.get(1).map(String::as_str)),
                (
                    Some(
                        "api" | "access" | "private" | "signing" | "encryption" | "master" | "auth"
                    ),
                    Some("key")
                )
            )
        });
        if pair {
            return Some(SecretKind::Key);
        }
    }
    None
}

pub const MONEY_WORDS: &[&str] = &[
    "price",
    "prices",
    "amount",
    "amounts",
    "amt",
    "cost",
    "costs",
    "total",
    "totals",
    "subtotal",
    "balance",
    "balances",
    "fee",
    "fees",
    "salary",
    "salaries",
    "wage",
    "wages",
    "money",
    "payment",
    "payments",
    "paid",
    "charge",
    "charges",
    "revenue",
    "tax",
    "taxes",
    "vat",
    "discount",
    "refund",
    "refunds",
    "payout",
    "budget",
    "income",
    "earnings",
    "commission",
    "tip",
    "tips",
    "cents",
    "usd",
    "eur",
    "gbp",
    "currency",
    "debit",
    "deposit",
    "withdrawal",
    "spend",
    "spent",
    "rent",
    "fare",
    "invoice",
    "billing",
    "msrp",
];

pub const NOT_MONEY_WORDS: &[&str] = &[
    "weight",
    "distance",
    "count",
    "percent",
    "percentage",
    "pct",
    "ratio",
    "rate",
    "score",
    "lat",
    "lng",
    "lon",
    "latitude",
    "longitude",
    "duration",
    "seconds",
    "secs",
    "ms",
    "minutes",
    "hours",
    "time",
    "size",
    "bytes",
    "height",
    "width",
    "length",
    "volume",
    "temperature",
    "rating",
    "probability",
    "factor",
    "multiplier",
    "quantity",
    "qty",
    "units",
];

pub fn is_money_name(name: &str) -> bool {
    let words = name_words(name);
    words.iter().any(|w| MONEY_WORDS.contains(&w.as_str()))
        && !words.iter().any(|w| NOT_MONEY_WORDS.contains(&w.as_str()))
}

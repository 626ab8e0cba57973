use super::*;

/// A coarse type class, enough to tell narrowing changes, floats, text and binary apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// Integer of this many bytes.
    Int(u8),
    /// Exact decimal (precision: None = unbounded, scale).
    Dec(Option<u64>, i64),
    /// Binary floating point of this many bytes.
    Float(u8),
    /// Text of at most this many characters (None = unbounded).
    Text(Option<u64>),
    /// Bytes of at most this length (None = unbounded).
    Bin(Option<u64>),
    Bool,
    Date,
    Time,
    Stamp,
    Uuid,
    Json,
    Other(String),
}

pub fn char_len(l: &Option<CharacterLength>, default: Option<u64>) -> Option<u64> {
    match l {
        Some(CharacterLength::IntegerLength { length, .. }) => Some(*length),
        Some(CharacterLength::Max) => None,
        None => default,
    }
}

pub fn classify(dt: &DataType, dialect: SqlDialect) -> Ty {
    use DataType as D;
    let dec = |info: &ExactNumberInfo| match info {
        ExactNumberInfo::None => {
            if dialect == SqlDialect::Mysql {
                Ty::Dec(Some(10), 0)
            } else {
                Ty::Dec(None, 0)
            }
        }
        ExactNumberInfo::Precision(p) => Ty::Dec(Some(*p), 0),
        ExactNumberInfo::PrecisionAndScale(p, s) => Ty::Dec(Some(*p), *s),
    };
    match dt {
        D::TinyInt(_) | D::TinyIntUnsigned(_) | D::UTinyInt | D::UInt8 => Ty::Int(1),
        D::SmallInt(_)
        | D::SmallIntUnsigned(_)
        | D::USmallInt
        | D::Int2(_)
        | D::Int2Unsigned(_)
        | D::Int16
        | D::UInt16 => Ty::Int(2),
        D::MediumInt(_) | D::MediumIntUnsigned(_) => Ty::Int(3),
        D::Int(_)
        | D::Integer(_)
        | D::IntUnsigned(_)
        | D::IntegerUnsigned(_)
        | D::Int4(_)
        | D::Int4Unsigned(_)
        | D::Int32
        | D::UInt32
        | D::Signed
        | D::SignedInteger
        | D::Unsigned
        | D::UnsignedInteger => Ty::Int(4),
        D::BigInt(_)
        | D::BigIntUnsigned(_)
        | D::UBigInt
        | D::Int8(_)
        | D::Int8Unsigned(_)
        | D::Int64
        | D::UInt64 => Ty::Int(8),
        D::Int128 | D::UInt128 | D::HugeInt | D::UHugeInt => Ty::Int(16),
        D::Int256 | D::UInt256 => Ty::Int(32),
        D::Float4 | D::Real | D::RealUnsigned | D::Float32 => Ty::Float(4),
        D::Float8
        | D::Float64
        | D::Double(_)
        | D::DoubleUnsigned(_)
        | D::DoublePrecision
        | D::DoublePrecisionUnsigned => Ty::Float(8),
        D::Float(info) | D::FloatUnsigned(info) => match info {
            ExactNumberInfo::Precision(p) if *p <= 24 => Ty::Float(4),
            ExactNumberInfo::None if dialect == SqlDialect::Mysql => Ty::Float(4),
            _ => Ty::Float(8),
        },
        D::Numeric(i)
        | D::Decimal(i)
        | D::DecimalUnsigned(i)
        | D::BigNumeric(i)
        | D::BigDecimal(i)
        | D::Dec(i)
        | D::DecUnsigned(i) => dec(i),
        D::Char(l) | D::Character(l) => Ty::Text(char_len(l, Some(1))),
        D::Varchar(l) | D::CharacterVarying(l) | D::CharVarying(l) | D::Nvarchar(l) => {
            Ty::Text(char_len(l, None))
        }
        D::Text
        | D::Clob(_)
        | D::CharacterLargeObject(_)
        | D::CharLargeObject(_)
        | D::LongText
        | D::String(None) => Ty::Text(None),
        D::String(Some(n)) => Ty::Text(Some(*n)),
        D::FixedString(n) => Ty::Text(Some(*n)),
        D::TinyText => Ty::Text(Some(255)),
        D::MediumText => Ty::Text(Some(16_777_215)),
        D::Bytea | D::Blob(_) | D::LongBlob | D::MediumBlob | D::Bytes(None) => Ty::Bin(None),
        D::TinyBlob => Ty::Bin(Some(255)),
        D::Bytes(Some(n)) => Ty::Bin(Some(*n)),
        D::Binary(n) => Ty::Bin(Some(n.unwrap_or(1))),
        D::Varbinary(l) => match l {
            Some(BinaryLength::IntegerLength { length }) => Ty::Bin(Some(*length)),
            _ => Ty::Bin(None),
        },
        D::Bool | D::Boolean => Ty::Bool,
        D::Date | D::Date32 => Ty::Date,
        D::Time(..) => Ty::Time,
        D::Timestamp(..) | D::Datetime(_) | D::Datetime64(..) | D::TimestampNtz(_) => Ty::Stamp,
        D::Uuid => Ty::Uuid,
        D::JSON | D::JSONB => Ty::Json,
        D::Custom(name, _) => {
            let n = object_idents(name)
                .and_then(|v| v.last().map(|i| i.value.to_lowercase()))
                .unwrap_or_default();
            match n.as_str() {
                "serial" | "serial4" => Ty::Int(4),
                "bigserial" | "serial8" => Ty::Int(8),
                "smallserial" | "serial2" => Ty::Int(2),
                "citext" => Ty::Text(None),
                "timestamptz" => Ty::Stamp,
                "float" | "double" => Ty::Float(8),
                _ => Ty::Other(n),
            }
        }
        other => Ty::Other(other.to_string().to_lowercase()),
    }
}

pub fn is_serial(dt: &DataType) -> bool {
    if let DataType::Custom(name, _) = dt {
        let n = object_idents(name)
            .and_then(|v| v.last().map(|i| i.value.to_lowercase()))
            .unwrap_or_default();
        matches!(
            n.as_str(),
            "serial" | "serial2" | "serial4" | "serial8" | "bigserial" | "smallserial"
        )
    } else {
        false
    }
}

pub fn int_digits(bytes: u8) -> u64 {
    match bytes {
        1 => 3,
        2 => 5,
        3 => 8,
        4 => 10,
        8 => 19,
        16 => 39,
        _ => 77,
    }
}

/// `b < a` where `None` means unbounded.
pub fn len_lt(b: Option<u64>, a: Option<u64>) -> bool {
    match (b, a) {
        (Some(b), Some(a)) => b < a,
        (Some(_), None) => true,
        _ => false,
    }
}

pub enum TypeChange {
    Same,
    /// Values can fail to convert or lose information.
    Narrowing(String),
    /// Widening or re-typing that rewrites the table.
    Rewrite,
    /// Metadata-only (e.g. a longer varchar).
    Cheap,
}

pub fn compare_types(old: &Ty, new: &Ty) -> TypeChange {
    use Ty::*;
    if old == new {
        return TypeChange::Same;
    }
    match (old, new) {
        (Int(a), Int(b)) => {
            if b < a {
                TypeChange::Narrowing(format!(
                    "values above the smaller integer's range ({} digits instead of {}) make it fail",
                    int_digits(*b),
                    int_digits(*a)
                ))
            } else {
                TypeChange::Rewrite
            }
        }
        (Text(a), Text(b)) => {
            if len_lt(*b, *a) {
                TypeChange::Narrowing(format!(
                    "values longer than {} characters make it fail (or are silently truncated in MySQL's \
                     non-strict mode)",
                    b.unwrap_or(0)
                ))
            } else {
                TypeChange::Cheap
            }
        }
        (Dec(p1, s1), Dec(p2, s2)) => {
            if len_lt(*p2, *p1) || s2 < s1 {
                TypeChange::Narrowing(
                    "values lose decimal places or overflow the smaller precision".to_string(),
                )
            } else if s2 != s1 {
                TypeChange::Rewrite
            } else {
                TypeChange::Cheap
            }
        }
        (Float(a), Float(b)) => {
            if b < a {
                TypeChange::Narrowing("values lose precision (double to single)".to_string())
            } else {
                TypeChange::Rewrite
            }
        }
        (Bin(a), Bin(b)) => {
            if len_lt(*b, *a) {
                TypeChange::Narrowing("longer values make it fail or are truncated".to_string())
            } else {
                TypeChange::Cheap
            }
        }
        (Dec(..) | Float(_), Int(_)) => {
            TypeChange::Narrowing("fractional parts are rounded away".to_string())
        }
        (Dec(..), Float(_)) => {
            TypeChange::Narrowing("exact values become approximate binary floats".to_string())
        }
        (Float(_), Dec(Some(_), _)) => {
            TypeChange::Narrowing("large values overflow the bounded precision".to_string())
        }
        (Int(a), Float(b)) if (*b == 4 && *a >= 4) || (*b == 8 && *a >= 8) => {
            TypeChange::Narrowing("large integers lose precision in a float".to_string())
        }
        (Int(a), Dec(Some(p), s))
            if i64::try_from(*p).unwrap_or(i64::MAX).saturating_sub(*s)
                < i64::try_from(int_digits(*a)).unwrap_or(0) =>
        {
            TypeChange::Narrowing("large integers overflow the decimal's precision".to_string())
        }
        (Int(a), Text(Some(n))) if *n <= int_digits(*a) => {
            TypeChange::Narrowing("long numbers do not fit the text length".to_string())
        }
        (Uuid, Text(Some(n))) if *n < 36 => {
            TypeChange::Narrowing("a UUID needs 36 characters".to_string())
        }
        (Stamp, Date) | (Stamp, Time) => {
            TypeChange::Narrowing("the time or date part is lost".to_string())
        }
        (Text(_), _) => TypeChange::Narrowing(
            "text values that do not convert to the new type make the migration fail".to_string(),
        ),
        (_, Bool) => TypeChange::Narrowing("values collapse to true/false".to_string()),
        _ => TypeChange::Rewrite,
    }
}

-- The live schema of a small shop, used by many cases as their `schema_file`.
-- Written for this corpus. Clean by design (identity keys, text, timestamptz, indexed foreign keys),
-- so that a case built on it measures the migration, not the schema.
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    display_name text,
    region text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (email);

CREATE TABLE products (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku text NOT NULL,
    title text NOT NULL,
    price_cents bigint NOT NULL,
    weight_grams integer
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts (id),
    status text,
    total_cents bigint NOT NULL,
    placed_at timestamptz NOT NULL DEFAULT now(),
    shipped_at timestamptz
);
CREATE INDEX orders_account_id_idx ON orders (account_id);

CREATE TABLE order_lines (
    order_id bigint NOT NULL REFERENCES orders (id),
    line_no integer NOT NULL,
    product_id bigint NOT NULL,
    quantity integer NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id bigint,
    kind text NOT NULL,
    payload jsonb,
    occurred_at timestamptz NOT NULL
);

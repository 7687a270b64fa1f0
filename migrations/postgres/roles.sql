-- Roles of the PostgreSQL warehouse. Run once, as an administrator, with psql; passwords come
-- from the environment, never from this file:
--
--   psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 \
--        -v loader_password="$JOBLAKE_LOADER_PASSWORD" \
--        -v reader_password="$JOBLAKE_READER_PASSWORD" \
--        -f migrations/postgres/roles.sql
--
-- joblake_loader: what `joblake mirror` connects as. Owns schemas `gold` and `joblake`,
--   applies the migrations, loads the tables.
-- joblake_reader: for BI tools. SELECT on schema `gold` (tables and views), nothing else:
--   no write, no DDL, no temporary tables, read-only transactions.
-- Running it again updates the passwords and grants; it never drops anything.

SELECT current_database() AS db \gset

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'joblake_loader') THEN
        CREATE ROLE joblake_loader LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'joblake_reader') THEN
        CREATE ROLE joblake_reader LOGIN;
    END IF;
END
$$;
ALTER ROLE joblake_loader PASSWORD :'loader_password';
ALTER ROLE joblake_reader PASSWORD :'reader_password';

-- Nobody gets anything by default in this database (PUBLIC's CONNECT and TEMPORARY).
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO joblake_loader, joblake_reader;
-- The migrations say CREATE SCHEMA IF NOT EXISTS, which needs CREATE on the database.
GRANT CREATE ON DATABASE :"db" TO joblake_loader;

CREATE SCHEMA IF NOT EXISTS gold AUTHORIZATION joblake_loader;
CREATE SCHEMA IF NOT EXISTS joblake AUTHORIZATION joblake_loader;
ALTER SCHEMA gold OWNER TO joblake_loader;
ALTER SCHEMA joblake OWNER TO joblake_loader;

GRANT USAGE ON SCHEMA gold TO joblake_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA gold TO joblake_reader;
-- Tables and views the loader creates later (new migrations) are readable too.
ALTER DEFAULT PRIVILEGES FOR ROLE joblake_loader IN SCHEMA gold
    GRANT SELECT ON TABLES TO joblake_reader;
-- The run log (migration 0003): readable by BI tools too.
CREATE SCHEMA IF NOT EXISTS meta AUTHORIZATION joblake_loader;
ALTER SCHEMA meta OWNER TO joblake_loader;
GRANT USAGE ON SCHEMA meta TO joblake_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA meta TO joblake_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE joblake_loader IN SCHEMA meta
    GRANT SELECT ON TABLES TO joblake_reader;
ALTER ROLE joblake_reader SET default_transaction_read_only = on;
ALTER ROLE joblake_reader SET search_path = gold;

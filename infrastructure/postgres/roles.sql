-- The warehouse's roles on a managed PostgreSQL (AWS RDS, or any server where the
-- administrator is not a superuser). Run once by the administrator, from a host that reaches
-- the database (on RDS: inside the VPC, see infrastructure/README.md, step 3), with psql 15 or
-- later. Passwords come from the environment (kept out of the command line, where `ps` would
-- show them):
--
--   export JOBLAKE_LOADER_PASSWORD=... JOBLAKE_READER_PASSWORD=...     # from Secrets Manager
--   psql "host=HOST dbname=jobs user=joblake_admin sslmode=verify-full sslrootcert=global-bundle.pem" \
--        -v ON_ERROR_STOP=1 -f infrastructure/postgres/roles.sql
--
-- It creates the two roles of migrations/postgres/roles.sql (included below, the one
-- definition of their grants):
-- - joblake_loader: what `joblake mirror` connects as (JOBLAKE_WAREHOUSE_URL). Owns schemas
--   gold, meta and joblake, so it applies the migrations of migrations/postgres/ (tables and
--   views in gold and meta, joblake._sqlx_migrations and joblake.mirror_state) and swaps the
--   reloaded tables in.
-- - joblake_reader: for BI tools. SELECT on gold and meta, present and future tables (ALTER
--   DEFAULT PRIVILEGES), nothing else; read-only transactions.
-- and adds what a managed server needs: the administrator may act for joblake_loader only
-- while this script runs, nobody but the owner uses schema public, TLS is checked, the BI
-- role's sessions are bounded. Running it again sets the passwords and grants again; it never
-- drops anything.
--
-- TLS: on RDS the parameter group of infrastructure/aws/03-rds.sh sets rds.force_ssl = 1, so
-- the server refuses any connection without TLS; clients should still verify the server
-- (sslmode=verify-full with the RDS CA bundle, also in JOBLAKE_WAREHOUSE_URL:
-- `?sslmode=verify-full&sslrootcert=/etc/ssl/certs/rds-global-bundle.pem`). Elsewhere, use
-- `hostssl` lines only in pg_hba.conf. Do not run this script with log_statement = ddl or all:
-- the server would log the ALTER ROLE ... PASSWORD statements.

\set ON_ERROR_STOP on

-- A password given on the network must be encrypted: refuse a plain TCP session (a Unix socket
-- on the server itself is fine).
SELECT coalesce(s.ssl, false) OR inet_client_addr() IS NULL AS session_is_private
FROM pg_stat_ssl s WHERE s.pid = pg_backend_pid() \gset
\if :session_is_private
\else
DO $$ BEGIN RAISE EXCEPTION 'this session is not encrypted: connect with sslmode=verify-full'; END $$;
\endif

-- Passwords: -v loader_password=... wins, else the environment.
\if :{?loader_password}
\else
\getenv loader_password JOBLAKE_LOADER_PASSWORD
\endif
\if :{?reader_password}
\else
\getenv reader_password JOBLAKE_READER_PASSWORD
\endif
\if :{?loader_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'set JOBLAKE_LOADER_PASSWORD (the loader''s password, from Secrets Manager)'; END $$;
\endif
\if :{?reader_password}
\else
DO $$ BEGIN RAISE EXCEPTION 'set JOBLAKE_READER_PASSWORD (the BI role''s password, from Secrets Manager)'; END $$;
\endif

-- Stored as SCRAM hashes whatever the server's default.
SET password_encryption = 'scram-sha-256';

-- The roles exist before the administrator joins one of them.
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

-- On RDS the administrator (rds_superuser) is no superuser: giving schemas to joblake_loader
-- and setting its default privileges needs membership in it (PostgreSQL 16+: the right to SET
-- ROLE to it). Taken here, given back at the end (a run stopped by an error keeps it until
-- the next complete run).
SELECT rolsuper AS admin_is_superuser FROM pg_roles WHERE rolname = current_user \gset
\if :admin_is_superuser
\else
GRANT joblake_loader TO CURRENT_USER;
\endif

\ir ../../migrations/postgres/roles.sql

-- Schema public: nobody but its owner creates or looks up anything in it (joblake uses gold,
-- meta and joblake only; PostgreSQL 15+ already refuses CREATE there).
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- Neither role creates roles or databases (the other attributes, superuser, replication,
-- bypassing row security, only a superuser can give).
ALTER ROLE joblake_loader NOCREATEROLE NOCREATEDB;
ALTER ROLE joblake_reader NOCREATEROLE NOCREATEDB;
-- A BI tool's forgotten query or open transaction does not hold the tables (a mirror's swap
-- waits for the readers of the tables it replaces).
ALTER ROLE joblake_reader CONNECTION LIMIT 20;
ALTER ROLE joblake_reader SET statement_timeout = '5min';
ALTER ROLE joblake_reader SET idle_in_transaction_session_timeout = '1min';
ALTER ROLE joblake_loader SET idle_in_transaction_session_timeout = '10min';

\if :admin_is_superuser
\else
REVOKE joblake_loader FROM CURRENT_USER;
\endif

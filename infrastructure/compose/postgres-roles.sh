#!/usr/bin/env bash
# docker-compose.yml: run by the postgres image at its first start, from
# /docker-entrypoint-initdb.d/ (so only on an empty data volume): the warehouse's roles from
# infrastructure/postgres/roles.sql, with their passwords from the environment
# (JOBLAKE_LOADER_PASSWORD, JOBLAKE_READER_PASSWORD: .env through docker-compose.yml).
# The entrypoint may source it rather than run it: no `exit`, no shell options changed.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" \
  --dbname "${POSTGRES_DB:-jobs}" -f /joblake/infrastructure/postgres/roles.sql

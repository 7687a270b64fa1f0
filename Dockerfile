# syntax=docker/dockerfile:1
# joblake in a container: `docker build -t joblake .` (BuildKit), then e.g.
#   docker run --rm -e JOBLAKE_LAKE=s3://bucket/lake joblake schedule
# The build is the README's release build (about 30 minutes on two cores the first time; the
# cache mounts keep the registry and the target directory between builds).
# Cargo features: `docker build --build-arg FEATURES=cluster -t joblake:cluster .` builds the
# binary with `joblake cluster` (docs/scale.md); without the argument, the default features.

# Builder and runtime on the same Debian (bookworm, glibc 2.36): the binary links against the
# glibc it was built with. All TLS is rustls, so no OpenSSL at run time.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# Empty: the default features. RUN sees a build argument as an environment variable; with it
# empty, `${FEATURES:+...}` expands to no word at all, so the command is exactly the default
# build (not `--features ""`).
ARG FEATURES=""
# The target directory is a cache mount, absent from the image: copy the binary out of it.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/src/target,sharing=locked \
    cargo build --release --locked --bin joblake ${FEATURES:+--features "$FEATURES"} \
    && install -m 0755 target/release/joblake /usr/local/bin/joblake

FROM debian:bookworm-slim AS runtime
# CA certificates for HTTPS to the sources, S3 and the warehouse; nothing else.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid, so that volumes and file permissions can name it on the host.
RUN groupadd --system --gid 10001 joblake \
    && useradd --system --uid 10001 --gid joblake --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin joblake \
    && mkdir -p /data \
    && chown joblake:joblake /data
COPY --from=builder /usr/local/bin/joblake /usr/local/bin/joblake
USER joblake:joblake
# The working directory holds a local lake or the SQLite warehouse when those are used;
# with the lake on S3 and the warehouse on PostgreSQL it stays empty.
WORKDIR /data
# `joblake schedule` serves GET /health on its metrics address ([schedule] metrics_addr,
# 127.0.0.1:9464 by default). No curl in the image: bash's /dev/tcp makes the request. Other
# commands (run, demo, sql...) serve nothing; the check only matters for `schedule`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9464 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -c 12 <&3 | grep -q ' 200'"]
ENTRYPOINT ["joblake"]
CMD ["--help"]

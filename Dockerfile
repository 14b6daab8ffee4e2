# Multi-stage build: compile with the committed offline query data (no database needed),
# then run on a slim image as an unprivileged user.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked --bin nexus

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /var/lib/nexus nexus
COPY --from=build /src/target/release/nexus /usr/local/bin/nexus
USER nexus
ENV NEXUS_LISTEN=0.0.0.0:8080 \
    NEXUS_DATA_DIR=/var/lib/nexus \
    NEXUS_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["nexus"]
CMD ["serve"]

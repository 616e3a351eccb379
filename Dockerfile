# Berth: multi-stage build of the release server and the site (WASM, JS, CSS).
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm zopfli && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY tools ./tools
RUN scripts/install-tools
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY api ./api
COPY app ./app
COPY core ./core
COPY frontend ./frontend
COPY kube-sim ./kube-sim
COPY quantity ./quantity
COPY server ./server
COPY migrations ./migrations
COPY style ./style
COPY public ./public
RUN scripts/build-site --release && cargo build --release -p berth-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/berth --create-home berth
COPY --from=build /src/target/release/berth /usr/local/bin/berth
COPY --from=build /src/target/site /srv/berth/site
ENV BERTH_ADDR=0.0.0.0:3000 \
    BERTH_SITE_ROOT=/srv/berth/site \
    BERTH_DATA_DIR=/var/lib/berth/data \
    BERTH_LOG_FORMAT=json
USER berth
WORKDIR /var/lib/berth
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/berth"]

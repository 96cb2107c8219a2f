# The Jarvis hub: built TypeScript and dashboard, production npm deps, the Debian speech packages.
# Build: docker build -t ghcr.io/jarvis/hub:0.1.0 .

FROM node:20-bookworm AS build
WORKDIR /app
# onnxruntime-node's CUDA download is not wanted: the CPU binaries ship in the npm package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
    ONNXRUNTIME_NODE_INSTALL_CUDA=skip
COPY . .
RUN npm ci --no-audit --no-fund
# The hub imports protocol and satellite (its openWakeWord engine): build them first. tsc
# copies no SQL, so the migrations go beside the compiled storage code (storage/db.ts).
RUN npm run build -w protocol -w satellite -w hub \
 && npm run build -w dashboard \
 && cp -r hub/src/storage/migrations hub/dist/storage/migrations
RUN npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# The embedded engines' native parts: PocketSphinx (STT), espeak-ng (TTS), openssl (local TLS).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      pocketsphinx pocketsphinx-en-us libpocketsphinx3 espeak-ng openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 jarvis \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/jarvis --no-create-home jarvis \
 && mkdir -p /var/lib/jarvis \
 && chown 10001:10001 /var/lib/jarvis
WORKDIR /app
ENV NODE_ENV=production \
    JARVIS_HOST=0.0.0.0 \
    JARVIS_DATA_DIR=/var/lib/jarvis/db
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/protocol/package.json ./protocol/
COPY --from=build /app/protocol/dist ./protocol/dist
COPY --from=build /app/satellite/package.json ./satellite/
COPY --from=build /app/satellite/dist ./satellite/dist
COPY --from=build /app/hub/package.json ./hub/
COPY --from=build /app/hub/dist ./hub/dist
COPY --from=build /app/hub/templates ./hub/templates
COPY --from=build /app/dashboard/dist ./dashboard/dist
USER 10001:10001
EXPOSE 8765 1883
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:8765/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "hub/dist/cli/main.js"]
CMD ["serve"]

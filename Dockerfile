# syntax=docker/dockerfile:1
# distillrec API image. Build: docker build -t distillrec .  Run: see docker-compose.yml.

# Node 22 (maintained LTS) in both stages: Node 20 is out of maintenance, and fastify's
# light-my-request needs cookie 2, which requires Node >= 22 (package.json engines says so too).
FROM node:22-bookworm-slim AS build
# tfjs-node's install script downloads libtensorflow and falls back to a node-gyp build of its
# binding when no prebuilt one matches, which needs these tools.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# npm 10 (node:22 images) runs install scripts by default; npm 11 skips dependency scripts not
# listed in allow-scripts and rejects --allow-scripts on project installs, hence this build-only
# .npmrc entry (npm 10 merely warns about the unknown key).
RUN echo 'allow-scripts=@tensorflow/tfjs-node' >> .npmrc \
 && npm ci --include=dev --include=optional
# tfjs-node is an optionalDependency, so a failed download leaves npm ci green and the image
# would silently serve on wasm; fail the build instead unless TFJS_NODE=optional.
ARG TFJS_NODE=required
RUN if node -e "require('@tensorflow/tfjs-node')"; then echo 'tfjs-node: native backend ready'; \
    elif [ "$TFJS_NODE" = optional ]; then echo 'tfjs-node unavailable: image will use wasm'; \
    else echo 'tfjs-node failed to load (build with --build-arg TFJS_NODE=optional to accept wasm)' >&2; exit 1; fi
# .dockerignore trims the context to sources, config and model presets (tests, benches and
# trained artifacts stay out), so tsc compiles src/ alone.
COPY . .
RUN npm run build \
 && npm prune --omit=dev \
 && mkdir -p models/presets

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 \
    MODELS_DIR=/app/models EVENT_LOG_PATH=/app/.data/events.jsonl
WORKDIR /app
# Code stays root-owned (read-only to the service); only models/ and .data/ are writable.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Presets ship in the image; trained versions land in the models volume at run time.
COPY --from=build --chown=node:node /app/models ./models
# Created node-owned before any volume mounts here, so a fresh named volume is writable.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# --v8-pool-size=1: see src/threads/service-flags.ts
CMD ["node", "--v8-pool-size=1", "dist/src/server.js"]

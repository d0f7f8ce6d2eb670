# syntax=docker/dockerfile:1
# Rookery: one image for every role (SERVICES picks the role). Build: docker build -t rookery .
# The TypeScript runs through tsx (a runtime dependency), as with `npm start`: no build step.

ARG NODE_VERSION=20

# Dependencies only: compilers for native modules stay in this stage.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
RUN groupadd --system --gid 10001 rookery && useradd --system --uid 10001 --gid rookery --no-create-home --shell /usr/sbin/nologin rookery
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
# The sources (.dockerignore keeps tests, benches, docs, manifests and node_modules out).
COPY --chown=root:root . .
# The code belongs to root and is read-only for the node; it writes only /tmp (tsx's cache).
USER 10001:10001
EXPOSE 3000 8080
# The entry point of `npm start`, without npm in between: SIGTERM reaches the node itself, which
# hands its symbols off before it exits (docs/operations.md "Deploying on Kubernetes").
ENTRYPOINT ["node", "--import", "tsx", "bin/rookery.ts"]

# claude-foundry's image: the gateway and its CLI on Node 24, run as an unprivileged user.
# Not built on the machine this was written on (no Docker daemon there): see docs/scale-out.md.
#
#   docker build -t claude-foundry .
#   docker compose up            (three replicas, PostgreSQL, Redis and nginx: compose.yaml)

# The build stage installs everything (the portal's Vite build needs the dev dependencies) and builds the portal.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/gateway/package.json packages/gateway/
COPY packages/cli/package.json packages/cli/
COPY packages/sdk/package.json packages/sdk/
COPY packages/portal/package.json packages/portal/
# --ignore-scripts: the root `prepare` (the portal build) runs below, once the sources are in.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY packages/portal packages/portal
RUN npm run build -w packages/portal

# The runtime stage: production dependencies only, the TypeScript sources (Node strips their types at load), the
# built portal. No compiler, no test files, no dev dependencies.
FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production \
    CLAUDE_FOUNDRY_HOST=0.0.0.0 \
    CLAUDE_FOUNDRY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/gateway/package.json packages/gateway/
COPY packages/cli/package.json packages/cli/
COPY packages/sdk/package.json packages/sdk/
COPY packages/portal/package.json packages/portal/
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY packages/gateway/src packages/gateway/src
COPY packages/cli/bin packages/cli/bin
COPY packages/cli/src packages/cli/src
COPY --from=build /app/packages/portal/dist packages/portal/dist
# The data folder must be the user's own and not writable by others: the gateway refuses a world-writable one.
RUN mkdir -m 700 /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4480 4443
# Ready (store and Redis answer, not draining), not merely alive: Docker and compose's depends_on wait for it.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4480/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM (docker stop, compose down) drains: requests and streams in flight finish within drainMs (30 s by
# default), so give `docker stop` a longer grace: compose.yaml sets stop_grace_period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=8", "packages/cli/bin/claude-foundry.js"]
CMD ["serve"]

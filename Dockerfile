# One image for every Argmin process: `argmin operator`, the interceptor, the ingestion API and the
# offline CLI are subcommands of the same entry point.

# Build: all dependencies, TypeScript compiled to dist/ (with the SQL migrations and the CRDs).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts are skipped: `prepare` would build before the sources are copied.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

# Run: production dependencies and dist/ only, as an unprivileged user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
# Numeric, so that Kubernetes' runAsNonRoot can verify it; uid 1000 is the image's `node` user.
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "dist/cli/main.js"]
